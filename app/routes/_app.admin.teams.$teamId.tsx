import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { Field, FormError, SelectField, failureOf } from "~/components/forms";
import { handleFormErrors, loadOrRespond } from "~/lib/errors.server";
import { parseForm } from "~/lib/forms.server";
import { clientIp } from "~/lib/request.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { listMembers } from "~/modules/accounts/members.server";
import { teamNameField } from "~/modules/accounts/schemas";
import { getTeam, removeTeamMember, renameTeam, setTeamMember } from "~/modules/accounts/teams.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.team.name ?? "Team"} · Gapmap` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  return loadOrRespond(async () => {
    const team = await getTeam(ctx.organization.id, params.teamId ?? "");
    const inTeam = new Set(team.members.map((m) => m.id));
    const candidates = (await listMembers(ctx.organization.id))
      .filter((m) => m.active && !inTeam.has(m.id))
      .map((m) => ({ id: m.id, name: m.display_name }));
    return { team, candidates };
  });
}

const IntentSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("rename"), name: teamNameField }),
  z.object({ intent: z.literal("add"), memberId: z.uuid("Choose a member"), isLead: z.enum(["yes", "no"]).default("no") }),
  z.object({ intent: z.literal("lead"), memberId: z.uuid(), isLead: z.enum(["yes", "no"]) }),
  z.object({ intent: z.literal("remove"), memberId: z.uuid() }),
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
    }
  });
}

export default function TeamDetail() {
  const { team, candidates } = useLoaderData<typeof loader>();
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
      </div>
      {message ? (
        <div className="alert success" role="status">
          {message}
        </div>
      ) : null}
      <FormError failure={failure} />
      <section className="card" aria-labelledby="members-heading">
        <h2 id="members-heading">Members</h2>
        {team.members.length ? (
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
        ) : (
          <p className="empty-state">Nobody is in this team yet.</p>
        )}
        {candidates.length ? (
          <Form method="post" className="inline-form" style={{ marginTop: "1rem", alignItems: "end" }}>
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
          <Field label="Team name" name="name" defaultValue={team.name} required error={failure?.fieldErrors.name} />
          <button type="submit">Rename</button>
        </Form>
      </section>
    </>
  );
}
