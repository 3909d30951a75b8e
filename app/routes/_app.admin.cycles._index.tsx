import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { formSucceeded } from "~/lib/flash.server";
import { useDates } from "~/components/dates";
import { Form, useActionData, useFetcher, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { Field, FormError, failureOf, FormSuccess } from "~/components/forms";
import { handleFormErrors } from "~/lib/errors.server";
import { parseFormData, readForm } from "~/lib/forms.server";
import { clientIp } from "~/lib/request.server";
import { requireMember } from "~/modules/accounts/auth.server";
import {
  CycleDatesSchema,
  NewCycleSchema,
  changeCycleDates,
  closeCycle,
  createCycle,
  deletePlannedCycle,
  listCycles,
  openCycle,
  suggestNextCycle,
} from "~/modules/assessments/cycles.server";

export const meta: MetaFunction = () => [{ title: "Cycles · Gapmap" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  const [cycles, suggestion] = await Promise.all([
    listCycles(ctx.organization.id),
    suggestNextCycle(ctx.organization.id, ctx.organization.timeZone),
  ]);
  return { cycles, suggestion, timeZone: ctx.organization.timeZone };
}

const CycleIdSchema = z.object({ cycleId: z.uuid({ error: "Unknown cycle." }) });

export async function action({ request, context }: ActionFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  const ip = clientIp(context);
  return handleFormErrors(async () => {
    const form = await readForm(request);
    const intent = form.get("intent");
    switch (intent) {
      case "create": {
        const cycle = await createCycle(ctx, parseFormData(form, NewCycleSchema), ip);
        return formSucceeded(request, `${cycle.name} created. Open it when you are ready.`);
      }
      case "open": {
        const { cycleId } = parseFormData(form, CycleIdSchema);
        const { drafts } = await openCycle(ctx, cycleId, ip);
        return formSucceeded(
          request,
          `Cycle opened: ${drafts} draft assessments started, pre-filled from each member's last ratings.`,
        );
      }
      case "close": {
        const { cycleId } = parseFormData(form, CycleIdSchema);
        await closeCycle(ctx, cycleId, ip);
        return formSucceeded(request, "Cycle closed. Its ratings are now locked.");
      }
      case "dates": {
        const { cycleId } = parseFormData(form, CycleIdSchema);
        await changeCycleDates(ctx, cycleId, parseFormData(form, CycleDatesSchema), ip);
        return formSucceeded(request, "Dates saved.");
      }
      case "delete": {
        const { cycleId } = parseFormData(form, CycleIdSchema);
        await deletePlannedCycle(ctx, cycleId, ip);
        return formSucceeded(request, "Cycle deleted.");
      }
      default:
        return new Response("Unknown action", { status: 400 });
    }
  });
}

const STATUS_TONE = { planned: "", open: "success", closed: "lead" } as const;

type CycleRowData = ReturnType<typeof useLoaderData<typeof loader>>["cycles"][number];

export default function Cycles() {
  const { cycles, suggestion, timeZone } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const failure = failureOf(result);
  const creating = useNavigation().formData?.get("intent") === "create";
  const message = result && "message" in result ? result.message : null;
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Review cycles</h1>
          <p>
            One cycle is open at a time. Opening one starts every active member&apos;s draft,
            pre-filled from their last ratings; closing it locks its ratings. Dates are in{" "}
            {timeZone}.
          </p>
        </div>
      </div>
      <div aria-live="polite">
        <FormSuccess message={message} />
      </div>

      <section className="card" aria-labelledby="new-cycle">
        <h2 id="new-cycle">New cycle</h2>
        <FormError failure={failure} />
        <Form method="post" className="inline-form" noValidate>
          <input type="hidden" name="intent" value="create" />
          <Field
            label="Name"
            name="name"
            defaultValue={suggestion.name}
            required
            error={failure?.fieldErrors.name}
          />
          <Field
            label="Starts"
            name="startsOn"
            type="date"
            defaultValue={suggestion.startsOn}
            required
            error={failure?.fieldErrors.startsOn}
          />
          <Field
            label="Self-assessment due"
            name="dueOn"
            type="date"
            defaultValue={suggestion.dueOn}
            required
            error={failure?.fieldErrors.dueOn}
          />
          <Field
            label="Closes"
            name="endsOn"
            type="date"
            defaultValue={suggestion.endsOn}
            required
            error={failure?.fieldErrors.endsOn}
          />
          <button type="submit" disabled={creating}>
            Create cycle
          </button>
        </Form>
      </section>

      <section className="card" aria-labelledby="all-cycles">
        <h2 id="all-cycles">All cycles</h2>
        {cycles.length ? (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Cycle</th>
                  <th scope="col">Status</th>
                  <th scope="col">Dates</th>
                  <th scope="col">Framework</th>
                  <th scope="col">Assessments</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {cycles.map((c) => (
                  <CycleRow key={c.id} cycle={c} />
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="empty-state">
            No cycles yet. Create the first one above, then open it to start self-assessments.
          </p>
        )}
      </section>
    </>
  );
}

/** One cycle with its own forms, so an error shows on the row it belongs to. */
function CycleRow({ cycle: c }: { cycle: CycleRowData }) {
  const fetcher = useFetcher<typeof action>();
  const { date } = useDates();
  const failure = failureOf(fetcher.data);
  const message = fetcher.data && "message" in fetcher.data ? fetcher.data.message : null;
  return (
    <tr>
      <th scope="row">{c.name}</th>
      <td>
        <span className={`badge ${STATUS_TONE[c.status]}`}>{c.status}</span>
      </td>
      <td>
        {c.status === "closed" ? (
          <span>
            {date(c.starts_on)} – {date(c.ends_on)} (due {date(c.due_on)})
          </span>
        ) : (
          <fetcher.Form
            method="post"
            className="inline-form"
            aria-label={`Dates of ${c.name}`}
            noValidate
          >
            <input type="hidden" name="intent" value="dates" />
            <input type="hidden" name="cycleId" value={c.id} />
            <Field
              label="Starts"
              name="startsOn"
              type="date"
              defaultValue={c.starts_on}
              error={failure?.fieldErrors.startsOn}
            />
            <Field
              label="Due"
              name="dueOn"
              type="date"
              defaultValue={c.due_on}
              error={failure?.fieldErrors.dueOn}
            />
            <Field
              label="Closes"
              name="endsOn"
              type="date"
              defaultValue={c.ends_on}
              error={failure?.fieldErrors.endsOn}
            />
            <button type="submit" className="small secondary">
              Save dates
            </button>
          </fetcher.Form>
        )}
      </td>
      <td>
        {c.framework_name} v{c.version_number}
      </td>
      <td>
        {c.status === "planned"
          ? "—"
          : `${c.drafts} draft · ${c.submitted} submitted · ${c.validated} validated`}
      </td>
      <td>
        <div aria-live="polite">
          {failure?.formError ? (
            <div className="field-error" role="alert">
              {failure.formError}
            </div>
          ) : message ? (
            <div className="muted">{message}</div>
          ) : null}
        </div>
        {c.status === "planned" ? (
          <fetcher.Form method="post" className="inline-form">
            <input type="hidden" name="cycleId" value={c.id} />
            <button type="submit" name="intent" value="open" className="small">
              Open {c.name}
            </button>
            <button type="submit" name="intent" value="delete" className="small danger">
              Delete
            </button>
          </fetcher.Form>
        ) : c.status === "open" ? (
          <fetcher.Form
            method="post"
            onSubmit={(e) => {
              if (!confirm(`Close ${c.name}? Its ratings will be locked.`)) e.preventDefault();
            }}
          >
            <input type="hidden" name="cycleId" value={c.id} />
            <button type="submit" name="intent" value="close" className="small secondary">
              Close {c.name}
            </button>
          </fetcher.Form>
        ) : (
          <span className="muted">Locked</span>
        )}
      </td>
    </tr>
  );
}
