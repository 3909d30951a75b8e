import { describe, expect, it } from "vitest";
import { db } from "#db/database";
import * as dashboard from "~/routes/_app.dashboard";
import * as member from "~/routes/_app.admin.members.$memberId";
import * as members from "~/routes/_app.admin.members._index";
import * as team from "~/routes/_app.admin.teams.$teamId";
import * as teams from "~/routes/_app.admin.teams._index";
import * as switchOrg from "~/routes/orgs.switch";
import { addMember, createOrgWithAdmin, createTeamRow, signIn } from "../support/factories";
import { buildRequest, call } from "../support/remix";

function memberAction(cookie: string, memberId: string, form: Record<string, string>) {
  return call<{ formError?: string; message?: string }>(
    member.action,
    buildRequest(`/admin/members/${memberId}`, { cookie, form }),
    { memberId },
  );
}

describe("roles and deactivation", () => {
  it("lets an admin change a member's role, and records it in the audit log", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    const eng = await addMember(organizationId);
    const result = await memberAction(admin.cookie, eng.membershipId, { intent: "role", role: "lead" });
    expect(result.status).toBe(200);
    const row = await db.selectFrom("memberships").select("role").where("id", "=", eng.membershipId).executeTakeFirstOrThrow();
    expect(row.role).toBe("lead");
    const audit = await db
      .selectFrom("audit_log")
      .select(["action", "details"])
      .where("organization_id", "=", organizationId)
      .where("object_id", "=", eng.membershipId)
      .execute();
    expect(audit).toEqual([{ action: "member.role_change", details: { from: "engineer", to: "lead" } }]);
  });

  it("never leaves an organisation without an active admin", async () => {
    const { admin } = await createOrgWithAdmin();
    const result = await memberAction(admin.cookie, admin.membershipId, { intent: "role", role: "engineer" });
    expect(result.status).toBe(409);
    expect(result.data.formError).toMatch(/at least one active admin/);
  });

  it("deactivating signs the member out and keeps their history; reactivating restores access", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    const eng = await addMember(organizationId);
    const t = await createTeamRow(organizationId);
    await db.insertInto("team_members").values({ organization_id: organizationId, team_id: t.id, membership_id: eng.membershipId }).execute();

    expect((await memberAction(admin.cookie, eng.membershipId, { intent: "deactivate" })).status).toBe(200);
    const locked = await call(dashboard.loader, buildRequest("/dashboard", { cookie: eng.cookie }));
    expect(locked.status).toBe(302);
    const fresh = await signIn(eng.id, organizationId);
    const refused = await call(dashboard.loader, buildRequest("/dashboard", { cookie: fresh }));
    expect(refused.headers.get("Location")).toBe("/orgs");
    const kept = await db.selectFrom("team_members").select("team_id").where("membership_id", "=", eng.membershipId).execute();
    expect(kept).toHaveLength(1);

    expect((await memberAction(admin.cookie, eng.membershipId, { intent: "reactivate" })).status).toBe(200);
    const back = await call(dashboard.loader, buildRequest("/dashboard", { cookie: fresh }));
    expect(back.status).toBe(200);
  });

  it("does not let engineers or leads manage members", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    const eng = await addMember(organizationId, "engineer");
    const lead = await addMember(organizationId, "lead");
    expect((await memberAction(eng.cookie, admin.membershipId, { intent: "deactivate" })).status).toBe(403);
    expect((await memberAction(lead.cookie, eng.membershipId, { intent: "role", role: "admin" })).status).toBe(403);
    expect((await call(teams.loader, buildRequest("/admin/teams", { cookie: lead.cookie }))).status).toBe(403);
  });

  it("rejects a bad role value beside the field", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    const eng = await addMember(organizationId);
    const result = await call<{ fieldErrors: Record<string, string> }>(
      member.action,
      buildRequest(`/admin/members/${eng.membershipId}`, { cookie: admin.cookie, form: { intent: "role", role: "owner" } }),
      { memberId: eng.membershipId },
    );
    expect(result.status).toBe(422);
    expect(result.data.fieldErrors.role).toBe("Choose engineer, lead or admin");
  });
});

describe("teams", () => {
  it("creates a team, adds a lead (promoting an engineer), and refuses a duplicate name", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    const eng = await addMember(organizationId);
    const created = await call(teams.action, buildRequest("/admin/teams", { cookie: admin.cookie, form: { name: "Payments" } }));
    expect(created.status).toBe(302);
    const teamId = (created.headers.get("Location") ?? "").split("/").pop() as string;

    const added = await call(
      team.action,
      buildRequest(`/admin/teams/${teamId}`, { cookie: admin.cookie, form: { intent: "add", memberId: eng.membershipId, isLead: "yes" } }),
      { teamId },
    );
    expect(added.status).toBe(200);
    const role = await db.selectFrom("memberships").select("role").where("id", "=", eng.membershipId).executeTakeFirstOrThrow();
    expect(role.role).toBe("lead");

    const dup = await call<{ fieldErrors: Record<string, string> }>(
      teams.action,
      buildRequest("/admin/teams", { cookie: admin.cookie, form: { name: "payments" } }),
    );
    expect(dup.status).toBe(409);
    expect(dup.data.fieldErrors.name).toMatch(/already has this name/);
  });
});

describe("tenant isolation", () => {
  it("answers 404 for another organisation's members, teams, invitations and organisation", async () => {
    const a = await createOrgWithAdmin();
    const b = await createOrgWithAdmin();
    const aMember = await addMember(a.organizationId);
    const aTeam = await createTeamRow(a.organizationId);
    const bCookie = b.admin.cookie;

    const memberPage = await call(member.loader, buildRequest(`/admin/members/${aMember.membershipId}`, { cookie: bCookie }), {
      memberId: aMember.membershipId,
    });
    expect(memberPage.status).toBe(404);
    const memberWrite = await memberAction(bCookie, aMember.membershipId, { intent: "deactivate" });
    expect(memberWrite.status).toBe(404);
    const stillActive = await db.selectFrom("memberships").select("active").where("id", "=", aMember.membershipId).executeTakeFirstOrThrow();
    expect(stillActive.active).toBe(true);

    const teamPage = await call(team.loader, buildRequest(`/admin/teams/${aTeam.id}`, { cookie: bCookie }), { teamId: aTeam.id });
    expect(teamPage.status).toBe(404);
    const teamWrite = await call(
      team.action,
      buildRequest(`/admin/teams/${aTeam.id}`, { cookie: bCookie, form: { intent: "rename", name: "Hijacked" } }),
      { teamId: aTeam.id },
    );
    expect(teamWrite.status).toBe(404);

    // B's admin cannot put A's member into B's team either.
    const bTeam = await createTeamRow(b.organizationId);
    const crossAdd = await call(
      team.action,
      buildRequest(`/admin/teams/${bTeam.id}`, { cookie: bCookie, form: { intent: "add", memberId: aMember.membershipId, isLead: "no" } }),
      { teamId: bTeam.id },
    );
    expect(crossAdd.status).toBe(404);

    const aInvite = await call<{ link: string }>(
      members.action,
      buildRequest("/admin/members", { cookie: a.admin.cookie, form: { intent: "invite", email: "x-tenant@example.test", role: "engineer" } }),
    );
    expect(aInvite.status).toBe(200);
    const invitation = await db.selectFrom("invitations").select("id").where("email", "=", "x-tenant@example.test").executeTakeFirstOrThrow();
    const revoke = await call(
      members.action,
      buildRequest("/admin/members", { cookie: bCookie, form: { intent: "revoke", invitationId: invitation.id } }),
    );
    expect(revoke.status).toBe(404);

    const sw = await call(switchOrg.action, buildRequest("/orgs/switch", { cookie: bCookie, form: { organizationId: a.organizationId } }));
    expect(sw.status).toBe(404);

    const bMembers = await call<{ members: { email: string }[] }>(members.loader, buildRequest("/admin/members", { cookie: bCookie }));
    expect(bMembers.data.members.map((m) => m.email)).not.toContain(aMember.email);
  });

  it("lets a person in two organisations switch between them", async () => {
    const a = await createOrgWithAdmin();
    const b = await createOrgWithAdmin();
    await db.insertInto("memberships").values({ organization_id: b.organizationId, user_id: a.admin.id, role: "engineer" }).execute();
    const sw = await call(switchOrg.action, buildRequest("/orgs/switch", { cookie: a.admin.cookie, form: { organizationId: b.organizationId } }));
    expect(sw.status).toBe(302);
    const home = await call<{ organization: { id: string }; isAdmin: boolean }>(
      dashboard.loader,
      buildRequest("/dashboard", { cookie: a.admin.cookie }),
    );
    expect(home.data.organization.id).toBe(b.organizationId);
    expect(home.data.isAdmin).toBe(false);
  });
});
