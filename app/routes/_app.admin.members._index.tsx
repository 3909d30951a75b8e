import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { formSucceeded, redirectNavigationWithFlash } from "~/lib/flash.server";
import { useDates } from "~/components/dates";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";

import { z } from "zod";
import { CopyLink } from "~/components/copy-link";
import {
  Field,
  FormError,
  SelectField,
  failureOf,
  FormSuccess,
  useResetOnSuccess,
} from "~/components/forms";
import { useSortedRows } from "~/components/sortable";
import { handleFormErrors } from "~/lib/errors.server";
import { parseForm } from "~/lib/forms.server";
import { env } from "~/lib/env.server";
import { clientIp } from "~/lib/request.server";
import { requireMember } from "~/modules/accounts/auth.server";
import {
  inviteMember,
  listPendingInvitations,
  revokeInvitation,
} from "~/modules/accounts/invitations.server";
import { listMembers } from "~/modules/accounts/members.server";
import { InviteSchema } from "~/modules/accounts/schemas";
import { listTeams } from "~/modules/accounts/teams.server";

export const meta: MetaFunction = () => [{ title: "Members · Gapmap" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  const [members, invitations, teams] = await Promise.all([
    listMembers(ctx.organization.id),
    listPendingInvitations(ctx.organization.id),
    listTeams(ctx.organization.id),
  ]);
  return {
    members,
    invitations,
    teams: teams.map((t) => ({ id: t.id, name: t.name })),
    // Without a mail server the invitation only waits in the outbox: the link is the way in.
    mailConfigured: Boolean(env().SMTP_URL),
  };
}

const IntentSchema = z.discriminatedUnion("intent", [
  InviteSchema.extend({ intent: z.literal("invite") }),
  z.object({ intent: z.literal("revoke"), invitationId: z.uuid() }),
]);

export async function action({ request, context }: ActionFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  return handleFormErrors(async () => {
    const input = await parseForm(request, IntentSchema);
    if (input.intent === "invite") {
      const { link } = await inviteMember(ctx, input, clientIp(context));
      // Without a script the page reloads: the link is then under "Pending invitations".
      await redirectNavigationWithFlash(
        request,
        `${env().SMTP_URL ? "Invitation sent to" : "Invitation created for"} ${input.email}: its link is under Pending invitations.`,
      );
      return { ok: true as const, invited: input.email, link };
    }
    await revokeInvitation(ctx, input.invitationId, clientIp(context));
    return formSucceeded(request, "Invitation revoked: its link no longer works.");
  });
}

export default function Members() {
  const { date } = useDates();
  const { members, invitations, teams, mailConfigured } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const failure = failureOf(result);
  const navigation = useNavigation();
  const formRef = useResetOnSuccess(result);
  const invited = result && "invited" in result ? result : null;
  const revoked = result && "message" in result ? result.message : null;
  const activeCount = members.filter((m) => m.active).length;
  const table = useSortedRows("members", members, {
    name: (m) => m.display_name,
    role: (m) => m.role,
    title: (m) => m.title,
    profile: (m) => m.target_profile_name,
    teams: (m) => m.teams.map((t) => t.name).join(", ") || null,
    status: (m) => (m.active ? "Active" : "Deactivated"),
  });
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Members</h1>
          <p>
            {activeCount} active · {members.length - activeCount} deactivated
          </p>
        </div>
      </div>

      <section className="card" aria-labelledby="invite-heading">
        <h2 id="invite-heading">Invite someone</h2>
        <p className="muted">
          Many people at once? <Link to="/admin/members/bulk">Paste a list or upload a CSV</Link>.
        </p>
        {invited?.link ? (
          <FormSuccess>
            {mailConfigured ? (
              <>Invitation sent to {invited.invited}. You can also give them this link: </>
            ) : (
              <>
                Invitation for {invited.invited} created. Copy this link and give it to them: no
                mail server is configured, so no email was sent.{" "}
              </>
            )}
            <CopyLink url={invited.link} label={`Invitation link for ${invited.invited}`} />
          </FormSuccess>
        ) : null}
        <FormError failure={failure} />
        <Form
          method="post"
          className="grid cols-3"
          ref={formRef}
          noValidate
          style={{ alignItems: "end" }}
        >
          <input type="hidden" name="intent" value="invite" />
          <Field
            label="Email"
            name="email"
            type="email"
            required
            error={failure?.fieldErrors.email}
          />
          <SelectField
            label="Role"
            name="role"
            defaultValue="engineer"
            error={failure?.fieldErrors.role}
            options={[
              { value: "engineer", label: "Engineer" },
              { value: "lead", label: "Lead" },
              { value: "admin", label: "Admin" },
            ]}
          />
          <SelectField
            label="Team (optional)"
            name="teamId"
            defaultValue=""
            error={failure?.fieldErrors.teamId}
            options={[
              { value: "", label: "No team yet" },
              ...teams.map((t) => ({ value: t.id, label: t.name })),
            ]}
          />
          <div>
            <button type="submit" disabled={navigation.state !== "idle"}>
              Send invitation
            </button>
          </div>
        </Form>
      </section>

      <FormSuccess message={revoked} />
      {invitations.length ? (
        <section className="card" aria-labelledby="pending-heading">
          <h2 id="pending-heading">Pending invitations</h2>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Team</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Link</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {invitations.map((i) => (
                  <tr key={i.id}>
                    <td>{i.email}</td>
                    <td>{i.role}</td>
                    <td>{i.team_name ?? "—"}</td>
                    <td>{date(i.expires_at)}</td>
                    <td>
                      {i.link ? (
                        <CopyLink url={i.link} label={`Invitation link for ${i.email}`} />
                      ) : (
                        "—"
                      )}
                    </td>
                    <td>
                      <Form method="post">
                        <input type="hidden" name="intent" value="revoke" />
                        <input type="hidden" name="invitationId" value={i.id} />
                        <button type="submit" className="danger small">
                          Revoke
                        </button>
                      </Form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}

      <section className="card" aria-labelledby="members-heading">
        <h2 id="members-heading">Everyone</h2>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                {table.header("name", "Name")}
                {table.header("role", "Role")}
                {table.header("title", "Title")}
                {table.header("profile", "Target profile")}
                {table.header("teams", "Teams")}
                {table.header("status", "Status")}
              </tr>
            </thead>
            <tbody>
              {table.sorted.map((m) => (
                <tr key={m.id} className={m.active ? undefined : "inactive"}>
                  <td>
                    <Link to={`/admin/members/${m.id}`}>{m.display_name}</Link>
                    <div className="muted">{m.email}</div>
                  </td>
                  <td>
                    <span className={`badge ${m.role}`}>{m.role}</span>
                  </td>
                  <td>{m.title ?? "—"}</td>
                  <td>{m.target_profile_name ?? "—"}</td>
                  <td>
                    {m.teams.length
                      ? m.teams.map((t) => `${t.name}${t.isLead ? " (lead)" : ""}`).join(", ")
                      : "—"}
                  </td>
                  <td>{m.active ? "Active" : <span className="badge danger">Deactivated</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}
