import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useDates } from "~/components/dates";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { Field, FormError, SelectField, failureOf, FormSuccess } from "~/components/forms";
import { handleFormErrors, loadOrRespond } from "~/lib/errors.server";
import { parseForm } from "~/lib/forms.server";
import { clientIp } from "~/lib/request.server";
import { requireMember } from "~/modules/accounts/auth.server";
import {
  changeRole,
  getMember,
  listTargetProfiles,
  setMemberActive,
  updateMemberProfile,
} from "~/modules/accounts/members.server";
import { roleField, titleField } from "~/modules/accounts/schemas";
import { ERASED_NAME, eraseMember } from "~/modules/organisation-data/erasure.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.member.display_name ?? "Member"} · Gapmap` },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  return loadOrRespond(async () => {
    const [member, profiles] = await Promise.all([
      getMember(ctx.organization.id, params.memberId ?? ""),
      listTargetProfiles(ctx.organization.id),
    ]);
    return {
      member,
      profiles,
      isSelf: member.id === ctx.membership.id,
      erased: member.display_name === ERASED_NAME,
    };
  });
}

const IntentSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("role"), role: roleField }),
  z.object({
    intent: z.literal("profile"),
    title: titleField,
    targetProfileId: z
      .string()
      .transform((v) => (v ? v : null))
      .pipe(z.uuid("Choose a target profile from the list").nullable()),
  }),
  z.object({ intent: z.literal("deactivate") }),
  z.object({ intent: z.literal("reactivate") }),
  z.object({ intent: z.literal("erase"), confirmName: z.string().max(500).default("") }),
]);

export async function action({ request, params, context }: ActionFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  const memberId = params.memberId ?? "";
  return handleFormErrors(async () => {
    const input = await parseForm(request, IntentSchema);
    const ip = clientIp(context);
    switch (input.intent) {
      case "role":
        await changeRole(ctx, memberId, input.role, ip);
        return { ok: true as const, message: "Role updated." };
      case "profile":
        await updateMemberProfile(ctx, memberId, input, ip);
        return { ok: true as const, message: "Profile updated." };
      case "deactivate":
        await setMemberActive(ctx, memberId, false, ip);
        return { ok: true as const, message: "Member deactivated. Their history is kept." };
      case "reactivate":
        await setMemberActive(ctx, memberId, true, ip);
        return { ok: true as const, message: "Member reactivated." };
      case "erase":
        await eraseMember(ctx, memberId, input.confirmName, ip);
        return {
          ok: true as const,
          message: `Personal data erased. They appear as “${ERASED_NAME}”; their ratings are kept in the figures.`,
        };
    }
  });
}

export default function MemberDetail() {
  const { date } = useDates();
  const { member, profiles, isSelf, erased } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const failure = failureOf(result);
  const message = result && "message" in result ? result.message : null;
  return (
    <>
      <div className="page-header">
        <div>
          <p>
            <Link to="/admin/members">← Members</Link>
          </p>
          <h1>{member.display_name}</h1>
          <p>
            {member.email} · <span className={`badge ${member.role}`}>{member.role}</span>{" "}
            {member.active ? null : <span className="badge danger">Deactivated</span>}
          </p>
        </div>
      </div>
      <FormSuccess message={message} />
      <FormError failure={failure} />
      <div className="grid cols-2">
        <section className="card" aria-labelledby="role-heading">
          <h2 id="role-heading">Role</h2>
          <Form method="post" className="stack">
            <input type="hidden" name="intent" value="role" />
            <SelectField
              label="Role in this organisation"
              name="role"
              defaultValue={member.role}
              key={member.role}
              error={failure?.fieldErrors.role}
              options={[
                { value: "engineer", label: "Engineer — self-assesses, works with mentors" },
                { value: "lead", label: "Lead — also sees and validates their teams" },
                { value: "admin", label: "Admin — manages the whole organisation" },
              ]}
            />
            <button type="submit">Save role</button>
          </Form>
        </section>
        <section className="card" aria-labelledby="profile-heading">
          <h2 id="profile-heading">Title and target</h2>
          <Form method="post" className="stack" noValidate>
            <input type="hidden" name="intent" value="profile" />
            <Field
              label="Job title"
              name="title"
              defaultValue={member.title ?? ""}
              error={failure?.fieldErrors.title}
            />
            <SelectField
              label="Target profile"
              name="targetProfileId"
              defaultValue={member.target_profile_id ?? ""}
              error={failure?.fieldErrors.targetProfileId}
              options={[
                { value: "", label: "None" },
                ...profiles.map((p) => ({ value: p.id, label: p.name })),
              ]}
            />
            <button type="submit">Save</button>
          </Form>
        </section>
        <section className="card" aria-labelledby="teams-heading">
          <h2 id="teams-heading">Teams</h2>
          {member.teams.length ? (
            <ul>
              {member.teams.map((t) => (
                <li key={t.id}>
                  <Link to={`/admin/teams/${t.id}`}>{t.name}</Link>
                  {t.is_lead ? " (lead)" : ""}
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">Not in a team. Add them from a team&apos;s page.</p>
          )}
        </section>
        <section className="card" aria-labelledby="access-heading">
          <h2 id="access-heading">Access</h2>
          {member.active ? (
            <Form method="post" className="stack">
              <input type="hidden" name="intent" value="deactivate" />
              <p className="muted">
                Deactivating signs them out of this organisation and removes their access. Their
                ratings, mentorships and reports are kept.
              </p>
              <div>
                <button type="submit" className="danger" disabled={isSelf}>
                  Deactivate
                </button>
              </div>
            </Form>
          ) : (
            <Form method="post" className="stack">
              <input type="hidden" name="intent" value="reactivate" />
              <p className="muted">Deactivated on {date(member.deactivated_at)}.</p>
              <div>
                <button type="submit">Reactivate</button>
              </div>
            </Form>
          )}
        </section>
        {isSelf || erased ? null : (
          <section className="card" aria-labelledby="erase-heading">
            <h2 id="erase-heading">Erase personal data</h2>
            <p className="muted">
              On the person&apos;s request: their name and email are replaced, their password,
              sessions, messages, rating notes, evidence links and check-in notes are removed, and
              nobody can sign in as them. Their ratings stay, anonymised, so the organisation&apos;s
              figures and reports do not change (deactivate them too if they have left). This cannot
              be undone.
            </p>
            <Form method="post" className="stack" noValidate>
              <input type="hidden" name="intent" value="erase" />
              <Field
                label={`Type “${member.display_name}” to confirm`}
                name="confirmName"
                autoComplete="off"
                required
                error={failure?.fieldErrors.confirmName}
              />
              <div>
                <button type="submit" className="danger">
                  Erase personal data
                </button>
              </div>
            </Form>
          </section>
        )}
      </div>
    </>
  );
}
