import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirectWithFlash } from "~/lib/flash.server";
import { useSortedRows } from "~/components/sortable";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { Field, FormError, failureOf } from "~/components/forms";
import { handleFormErrors } from "~/lib/errors.server";
import { parseForm } from "~/lib/forms.server";
import { clientIp } from "~/lib/request.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { teamNameField } from "~/modules/accounts/schemas";
import { createTeam, listTeams } from "~/modules/accounts/teams.server";

export const meta: MetaFunction = () => [{ title: "Teams · Gapmap" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  return { teams: await listTeams(ctx.organization.id) };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  return handleFormErrors(async () => {
    const { name } = await parseForm(request, z.object({ name: teamNameField }));
    const team = await createTeam(ctx, name, clientIp(context));
    return redirectWithFlash(
      `/admin/teams/${team.id}`,
      "Team created: add its members and name its lead.",
    );
  });
}

export default function Teams() {
  const { teams } = useLoaderData<typeof loader>();
  const failure = failureOf(useActionData<typeof action>());
  const table = useSortedRows("teams", teams, {
    team: (t) => t.name,
    members: (t) => t.member_count,
    leads: (t) => t.lead_count,
  });
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Teams</h1>
          <p>Leads see the gaps of the teams they lead.</p>
        </div>
      </div>
      <section className="card" aria-labelledby="new-team">
        <h2 id="new-team">New team</h2>
        <FormError failure={failure} />
        <Form method="post" className="inline-form" noValidate>
          <Field label="Team name" name="name" required error={failure?.fieldErrors.name} />
          <button type="submit">Create team</button>
        </Form>
      </section>
      <section className="card" aria-labelledby="all-teams">
        <h2 id="all-teams">All teams</h2>
        {teams.length ? (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  {table.header("team", "Team")}
                  {table.header("members", "Active members")}
                  {table.header("leads", "Leads")}
                </tr>
              </thead>
              <tbody>
                {table.sorted.map((t) => (
                  <tr key={t.id}>
                    <td>
                      <Link to={`/admin/teams/${t.id}`}>{t.name}</Link>
                    </td>
                    <td>{t.member_count}</td>
                    <td>
                      {t.lead_count === 0 ? (
                        <span className="badge warning">No lead</span>
                      ) : (
                        t.lead_count
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="empty-state">
            No teams yet. Create one above, then add its members and name its lead.
          </p>
        )}
      </section>
    </>
  );
}
