import { describe, expect, it } from "vitest";
import { db } from "#db/database";
import * as members from "~/routes/_app.admin.members._index";
import * as invite from "~/routes/invite.$token";
import * as dashboard from "~/routes/_app.dashboard";
import { addMember, createOrgWithAdmin, createTeamRow, createUser, uniqueEmail, signIn } from "../support/factories";
import { buildRequest, call, cookieFrom } from "../support/remix";

async function sendInvite(cookie: string, form: Record<string, string>) {
  return call<{ link: string; fieldErrors?: Record<string, string> }>(
    members.action,
    buildRequest("/admin/members", { cookie, form: { intent: "invite", role: "engineer", ...form } }),
  );
}

function tokenOf(link: string) {
  return link.split("/invite/")[1] as string;
}

describe("invitations", () => {
  it("writes the invitation email to the outbox and shows the admin its link", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    const team = await createTeamRow(organizationId, "Platform");
    const email = uniqueEmail("new");
    const result = await sendInvite(admin.cookie, { email, role: "lead", teamId: team.id });
    expect(result.status).toBe(200);
    expect(result.data.link).toMatch(/^http:\/\/localhost:3000\/invite\/[a-z2-7]{32}$/);

    const message = await db
      .selectFrom("notifications")
      .selectAll()
      .where("organization_id", "=", organizationId)
      .where("kind", "=", "invitation")
      .executeTakeFirstOrThrow();
    expect(message.recipient_email).toBe(email);
    expect(message.status).toBe("pending");
    expect(message.body_text).toContain(result.data.link);
    expect(message.action_url).toBe(result.data.link);

    const page = await call<{
      invitations: { email: string; link: string; team_name: string }[];
      mailConfigured: boolean;
    }>(members.loader, buildRequest("/admin/members", { cookie: admin.cookie }));
    expect(page.data.invitations).toEqual([
      expect.objectContaining({ email, link: result.data.link, team_name: "Platform" }),
    ]);
    // No SMTP_URL in this run: the page says the link is the way in, not "sent".
    expect(page.data.mailConfigured).toBe(Boolean(process.env.SMTP_URL));
  });

  it("creates the account, membership and team place on accept, and works only once", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    const team = await createTeamRow(organizationId);
    const email = uniqueEmail("joiner");
    const { data } = await sendInvite(admin.cookie, { email, teamId: team.id });
    const token = tokenOf(data.link);

    const form = { displayName: "Joan Joiner", password: "joiner password 1" };
    const accepted = await call(invite.action, buildRequest(`/invite/${token}`, { form }), { token });
    expect(accepted.status).toBe(302);
    const home = await call<{ organization: { id: string } }>(
      dashboard.loader,
      buildRequest("/dashboard", { cookie: cookieFrom(accepted) }),
    );
    expect(home.data.organization.id).toBe(organizationId);

    const membership = await db
      .selectFrom("memberships as m")
      .innerJoin("users as u", "u.id", "m.user_id")
      .innerJoin("team_members as tm", "tm.membership_id", "m.id")
      .select(["m.role", "tm.team_id", "m.target_profile_id"])
      .where("u.email", "=", email)
      .executeTakeFirstOrThrow();
    expect(membership).toMatchObject({ role: "engineer", team_id: team.id });
    expect(membership.target_profile_id).not.toBeNull();

    const again = await call<{ formError: string }>(invite.action, buildRequest(`/invite/${token}`, { form }), { token });
    expect(again.status).toBe(422);
    expect(again.data.formError).toMatch(/expired, was revoked or was already used/);
    const loader = await call<{ invitation: unknown }>(invite.loader, buildRequest(`/invite/${token}`), { token });
    expect(loader.data.invitation).toBeNull();
  });

  it("refuses an expired invitation", async () => {
    const { admin } = await createOrgWithAdmin();
    const email = uniqueEmail("late");
    const { data } = await sendInvite(admin.cookie, { email });
    const token = tokenOf(data.link);
    await db.updateTable("invitations").set({ expires_at: new Date(Date.now() - 1000) }).where("email", "=", email).execute();
    const result = await call(invite.action, buildRequest(`/invite/${token}`, { form: { displayName: "Late", password: "late password 1" } }), { token });
    expect(result.status).toBe(422);
  });

  it("joins an existing account only when that account is signed in", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    const existing = await createUser();
    const { data } = await sendInvite(admin.cookie, { email: existing.email });
    const token = tokenOf(data.link);

    const stranger = await call<{ formError: string }>(invite.action, buildRequest(`/invite/${token}`, { form: {} }), { token });
    expect(stranger.status).toBe(422);
    expect(stranger.data.formError).toMatch(/Log in as/);

    const cookie = await signIn(existing.id, null);
    const ok = await call(invite.action, buildRequest(`/invite/${token}`, { form: {}, cookie }), { token });
    expect(ok.status).toBe(302);
    const member = await db
      .selectFrom("memberships")
      .select("role")
      .where("organization_id", "=", organizationId)
      .where("user_id", "=", existing.id)
      .executeTakeFirst();
    expect(member?.role).toBe("engineer");
  });

  it("tells the admin when the person is already a member", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    const member = await addMember(organizationId);
    const result = await sendInvite(admin.cookie, { email: member.email });
    expect(result.status).toBe(409);
    expect(result.data.fieldErrors?.email).toMatch(/already a member/);
  });

  it("is for admins only", async () => {
    const { organizationId } = await createOrgWithAdmin();
    const lead = await addMember(organizationId, "lead");
    const result = await sendInvite(lead.cookie, { email: uniqueEmail() });
    expect(result.status).toBe(403);
    const page = await call(members.loader, buildRequest("/admin/members", { cookie: lead.cookie }));
    expect(page.status).toBe(403);
  });

  it("can be revoked, after which the link is dead", async () => {
    const { admin } = await createOrgWithAdmin();
    const email = uniqueEmail("revoked");
    const { data } = await sendInvite(admin.cookie, { email });
    const token = tokenOf(data.link);
    const invitation = await db.selectFrom("invitations").select("id").where("email", "=", email).executeTakeFirstOrThrow();
    const revoked = await call(
      members.action,
      buildRequest("/admin/members", { cookie: admin.cookie, form: { intent: "revoke", invitationId: invitation.id } }),
    );
    expect(revoked.status).toBe(200);
    const loader = await call<{ invitation: unknown }>(invite.loader, buildRequest(`/invite/${token}`), { token });
    expect(loader.data.invitation).toBeNull();
  });
});
