import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
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
    return redirect(`/admin/teams/${team.id}`);
  });
}

export default function Teams() {
  const { teams } = useLoaderData<typeof loader>();
  const failure = failureOf(useActionData<typeof action>());
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
          <table>
            <thead>
              <tr>
                <th scope="col">Team</th>
                <th scope="col">Active members</th>
                <th scope="col">Leads</th>
              </tr>
            </thead>
            <tbody>
              {teams.map((t) => (
                <tr key={t.id}>
                  <td>
                    <Link to={`/admin/teams/${t.id}`}>{t.name}</Link>
                  </td>
                  <td>{t.member_count}</td>
                  <td>{t.lead_count === 0 ? <span className="badge warning">No lead</span> : t.lead_count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="empty-state">No teams yet. Create one above, then add its members and name its lead.</p>
        )}
      </section>
    </>
  );
}
