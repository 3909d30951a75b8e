import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { formSucceeded } from "~/lib/flash.server";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { Field, FormError, failureOf, FormSuccess, successOf } from "~/components/forms";
import { handleFormErrors } from "~/lib/errors.server";
import { parseFormData, readForm } from "~/lib/forms.server";
import { clientIp } from "~/lib/request.server";
import { requireMember } from "~/modules/accounts/auth.server";
import {
  listFrameworks,
  makeDefaultFramework,
} from "~/modules/frameworks/framework-editing.server";
import {
  DefaultDescriptorsSchema,
  listDefaultLevelDescriptors,
  saveDefaultLevelDescriptors,
} from "~/modules/frameworks/level-descriptors.server";

export const meta: MetaFunction = () => [{ title: "Frameworks · Gapmap" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  const [frameworks, levels] = await Promise.all([
    listFrameworks(ctx.organization.id),
    listDefaultLevelDescriptors(ctx.organization.id),
  ]);
  return { frameworks, levels };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  return handleFormErrors(async () => {
    const form = await readForm(request);
    if (form.get("intent") === "levels") {
      await saveDefaultLevelDescriptors(
        ctx,
        parseFormData(form, DefaultDescriptorsSchema),
        clientIp(context),
      );
      return formSucceeded(request, "Level descriptions saved.");
    }
    const { frameworkId } = parseFormData(
      form,
      z.object({ frameworkId: z.uuid({ error: "Unknown framework." }) }),
    );
    await makeDefaultFramework(ctx, frameworkId, clientIp(context));
    return formSucceeded(request, "Default framework changed: the next cycle you open uses it.");
  });
}

export default function Frameworks() {
  const { frameworks, levels } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const failure = failureOf(result);
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Frameworks</h1>
          <p>
            The default framework is the one new review cycles use. Edits to a framework already
            used by a cycle make a new version; history keeps the old one.
          </p>
        </div>
        <Link className="button" to="/admin/frameworks/import">
          Import a framework
        </Link>
      </div>
      <FormError failure={failure} />
      <div aria-live="polite">
        <FormSuccess message={successOf(result)} />
      </div>
      <section className="card">
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Framework</th>
                <th scope="col">Version</th>
                <th scope="col">Topics</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {frameworks.map((f) => (
                <tr key={f.id}>
                  <th scope="row">
                    <Link to={`/admin/frameworks/${f.id}`}>{f.name}</Link>{" "}
                    {f.is_default ? <span className="badge success">Default</span> : null}
                  </th>
                  <td>v{f.version}</td>
                  <td>{f.topics}</td>
                  <td className="inline-form">
                    <a href={`/admin/frameworks/${f.id}.csv`}>Export CSV</a>
                    {!f.is_default ? (
                      <Form method="post">
                        <input type="hidden" name="frameworkId" value={f.id} />
                        <button type="submit" className="small secondary">
                          Make default
                        </button>
                      </Form>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section className="card" aria-labelledby="levels-heading">
        <h2 id="levels-heading">The proficiency scale</h2>
        <p className="muted">
          What each level means across the organisation. A topic can word a level its own way
          (Levels, in the framework editor).
        </p>
        <Form method="post" className="stack" key={JSON.stringify(levels)}>
          <input type="hidden" name="intent" value="levels" />
          {levels.map((l) => (
            <div key={l.level} className="inline-form">
              <Field
                label={`Level ${l.level} label`}
                name={`label.${l.level}`}
                defaultValue={l.label}
                maxLength={40}
                error={failure?.fieldErrors[`label.${l.level}`]}
              />
              <Field
                label={`Level ${l.level} description`}
                name={`description.${l.level}`}
                defaultValue={l.description}
                maxLength={500}
                size={70}
                error={failure?.fieldErrors[`description.${l.level}`]}
              />
            </div>
          ))}
          <div>
            <button type="submit">Save the scale</button>
          </div>
        </Form>
      </section>
    </>
  );
}
