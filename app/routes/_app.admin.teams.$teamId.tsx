import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { Field, FormError, SelectField, failureOf, FormSuccess } from "~/components/forms";
import { handleFormErrors, loadOrRespond } from "~/lib/errors.server";
import { parseForm } from "~/lib/forms.server";
import { clientIp } from "~/lib/request.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { listMembers } from "~/modules/accounts/members.server";
import { teamNameField } from "~/modules/accounts/schemas";
import {
  getTeam,
  removeTeamMember,
  renameTeam,
  setTeamMember,
} from "~/modules/accounts/teams.server";
import {
  CapabilityTargetSchema,
  capabilityTopicChoices,
  listCapabilityTargets,
  removeCapabilityTarget,
  setCapabilityTarget,
} from "~/modules/frameworks/capability-targets.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.team.name ?? "Team"} · Gapmap` },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  return loadOrRespond(async () => {
    const team = await getTeam(ctx.organization.id, params.teamId ?? "");
    const inTeam = new Set(team.members.map((m) => m.id));
    const candidates = (await listMembers(ctx.organization.id))
      .filter((m) => m.active && !inTeam.has(m.id))
      .map((m) => ({ id: m.id, name: m.display_name }));
    const [targets, topics] = await Promise.all([
      listCapabilityTargets(ctx.organization.id, team.id),
      capabilityTopicChoices(ctx.organization.id),
    ]);
    return { team, candidates, targets, topics };
  });
}

const IntentSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("rename"), name: teamNameField }),
  z.object({
    intent: z.literal("add"),
    memberId: z.uuid("Choose a member"),
    isLead: z.enum(["yes", "no"]).default("no"),
  }),
  z.object({ intent: z.literal("lead"), memberId: z.uuid(), isLead: z.enum(["yes", "no"]) }),
  z.object({ intent: z.literal("remove"), memberId: z.uuid() }),
  CapabilityTargetSchema.extend({ intent: z.literal("target") }),
  z.object({ intent: z.literal("untarget"), targetId: z.uuid() }),
]);

export async function action({ request, params, context }: ActionFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  const teamId = params.teamId ?? "";
  return handleFormErrors(async () => {
    const input = await parseForm(request, IntentSchema);
    const ip = clientIp(context);
    switch (input.intent) {
      case "rename":
        await renameTeam(ctx, teamId, input.name, ip);
        return { ok: true as const, message: "Team renamed." };
      case "add":
      case "lead":
        await setTeamMember(ctx, teamId, input.memberId, input.isLead === "yes", ip);
        return { ok: true as const, message: "Team updated." };
      case "remove":
        await removeTeamMember(ctx, teamId, input.memberId, ip);
        return { ok: true as const, message: "Removed from the team." };
      case "target":
        await setCapabilityTarget(ctx, teamId, input, ip);
        return { ok: true as const, message: "Capability target saved." };
      case "untarget":
        await removeCapabilityTarget(ctx, teamId, input.targetId, ip);
        return { ok: true as const, message: "Capability target removed." };
    }
  });
}

export default function TeamDetail() {
  const { team, candidates, targets, topics } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const failure = failureOf(result);
  const message = result && "message" in result ? result.message : null;
  return (
    <>
      <div className="page-header">
        <div>
          <p>
            <Link to="/admin/teams">← Teams</Link>
          </p>
          <h1>{team.name}</h1>
        </div>
        <Link to={`/admin/teams/${team.id}/channels`} className="button secondary">
          Slack, Teams and webhooks
        </Link>
      </div>
      <FormSuccess message={message} />
      <FormError failure={failure} />
      <section className="card" aria-labelledby="members-heading">
        <h2 id="members-heading">Members</h2>
        {team.members.length ? (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Role</th>
                  <th scope="col">Leads this team</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {team.members.map((m) => (
                  <tr key={m.id} className={m.active ? undefined : "inactive"}>
                    <td>
                      <Link to={`/admin/members/${m.id}`}>{m.display_name}</Link>
                      {m.active ? null : <span className="badge danger"> deactivated</span>}
                    </td>
                    <td>{m.role}</td>
                    <td>
                      <Form method="post" className="inline-form">
                        <input type="hidden" name="intent" value="lead" />
                        <input type="hidden" name="memberId" value={m.id} />
                        <input type="hidden" name="isLead" value={m.is_lead ? "no" : "yes"} />
                        {m.is_lead ? <span className="badge lead">Lead</span> : null}
                        <button type="submit" className="secondary small" disabled={!m.active}>
                          {m.is_lead ? "Remove as lead" : "Make lead"}
                        </button>
                      </Form>
                    </td>
                    <td>
                      <Form method="post">
                        <input type="hidden" name="intent" value="remove" />
                        <input type="hidden" name="memberId" value={m.id} />
                        <button type="submit" className="danger small">
                          Remove
                        </button>
                      </Form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="empty-state">Nobody is in this team yet.</p>
        )}
        {candidates.length ? (
          <Form
            method="post"
            className="inline-form"
            style={{ marginTop: "1rem", alignItems: "end" }}
          >
            <input type="hidden" name="intent" value="add" />
            <SelectField
              label="Add a member"
              name="memberId"
              error={failure?.fieldErrors.memberId}
              options={candidates.map((c) => ({ value: c.id, label: c.name }))}
            />
            <SelectField
              label="As"
              name="isLead"
              defaultValue="no"
              options={[
                { value: "no", label: "Member" },
                { value: "yes", label: "Lead" },
              ]}
            />
            <button type="submit">Add</button>
          </Form>
        ) : null}
      </section>
      <section className="card" aria-labelledby="rename-heading">
        <h2 id="rename-heading">Rename</h2>
        <Form method="post" className="inline-form" noValidate style={{ alignItems: "end" }}>
          <input type="hidden" name="intent" value="rename" />
          <Field
            label="Team name"
            name="name"
            defaultValue={team.name}
            required
            error={failure?.fieldErrors.name}
          />
          <button type="submit">Rename</button>
        </Form>
      </section>
      <section className="card" aria-labelledby="capability-heading">
        <h2 id="capability-heading">Capability targets</h2>
        <p className="muted">
          &ldquo;At least N people at level L or above on a topic&rdquo;: bus-factor risk in the gap
          view is measured against these.
        </p>
        {targets.length ? (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Topic</th>
                  <th scope="col">At least</th>
                  <th scope="col">At level</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {targets.map((t) => (
                  <tr key={t.id}>
                    <th scope="row">
                      {t.topic_name ?? "Topic not in the current framework"}
                      {t.retired ? <span className="badge warning"> retired</span> : null}
                    </th>
                    <td>{t.min_people} people</td>
                    <td>≥ {t.min_level}</td>
                    <td>
                      <Form method="post">
                        <input type="hidden" name="intent" value="untarget" />
                        <input type="hidden" name="targetId" value={t.id} />
                        <button type="submit" className="small danger">
                          Remove
                        </button>
                      </Form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="empty-state">No capability targets yet.</p>
        )}
        <Form method="post" className="inline-form" aria-label="Set a capability target" noValidate>
          <input type="hidden" name="intent" value="target" />
          <SelectField
            label="Topic"
            name="topicId"
            options={topics.map((t) => ({ value: t.id, label: `${t.category} · ${t.name}` }))}
            error={failure?.fieldErrors.topicId}
          />
          <Field
            label="At least (people)"
            name="minPeople"
            type="number"
            min={1}
            defaultValue="2"
            error={failure?.fieldErrors.minPeople}
          />
          <SelectField
            label="At level or above"
            name="minLevel"
            defaultValue="3"
            options={[1, 2, 3, 4].map((l) => ({ value: String(l), label: String(l) }))}
            error={failure?.fieldErrors.minLevel}
          />
          <button type="submit" className="small">
            Save target
          </button>
        </Form>
      </section>
    </>
  );
}
