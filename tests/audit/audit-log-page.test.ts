import { describe, expect, it } from "vitest";
import { db } from "#db/database";
import { recordAudit } from "~/modules/audit/audit.server";
import * as auditRoute from "~/routes/_app.admin.audit";
import { addMember, createOrgWithAdmin } from "../support/factories";
import { buildRequest, call } from "../support/remix";

type Page = Awaited<ReturnType<typeof auditRoute.loader>>;

async function seedLog() {
  const org = await createOrgWithAdmin();
  const other = await createOrgWithAdmin();
  const lead = await addMember(org.organizationId, "lead", "Lena Lead");
  // A known history, on top of what creating the organisation wrote.
  const entry = (actor: string, action: string, at: string) =>
    recordAudit({
      organizationId: org.organizationId,
      actorUserId: actor,
      action,
      objectType: "team",
      objectId: action,
      details: { at },
    });
  await entry(org.admin.id, "team.create", "2026-11-01");
  await entry(lead.id, "team.rename", "2026-11-02");
  await entry(org.admin.id, "team.rename", "2026-11-03");
  await recordAudit({
    organizationId: other.organizationId,
    actorUserId: other.admin.id,
    action: "team.create",
    objectType: "team",
    details: { secret: "other organisation" },
  });
  return { org, lead };
}

const load = async (cookie: string, query = "") =>
  call<Page>(auditRoute.loader, buildRequest(`/admin/audit${query}`, { cookie }));

describe("the audit log page", () => {
  it("shows admins their organisation's entries, newest first, filtered by action and person", async () => {
    const { org, lead } = await seedLog();
    const all = (await load(org.admin.cookie)).data;
    expect(all.entries.map((e) => e.action).slice(0, 3)).toEqual([
      "team.rename",
      "team.rename",
      "team.create",
    ]);
    expect(JSON.stringify(all)).not.toContain("other organisation");
    expect(all.choices.actions).toEqual(expect.arrayContaining(["team.create", "team.rename"]));

    const renames = (await load(org.admin.cookie, "?action=team.rename")).data;
    expect(renames.entries.map((e) => e.actorName)).toEqual(["Ada Admin", "Lena Lead"]);
    const byLead = (await load(org.admin.cookie, `?actor=${lead.id}`)).data;
    expect(byLead.entries.map((e) => e.action)).toEqual(["team.rename"]);

    const today = new Date().toISOString().slice(0, 10);
    const dated = (await load(org.admin.cookie, `?from=${today}&to=${today}`)).data;
    expect(dated.entries.length).toBeGreaterThanOrEqual(3);
    const future = (await load(org.admin.cookie, "?from=2999-01-01")).data;
    expect(future.entries).toEqual([]);
  });

  it("pages through older entries with a cursor", async () => {
    const { org } = await seedLog();
    await db
      .insertInto("audit_log")
      .values(
        Array.from({ length: 120 }, (_, i) => ({
          organization_id: org.organizationId,
          actor_user_id: org.admin.id,
          action: "member.update",
          object_type: "membership",
          object_id: String(i),
        })),
      )
      .execute();
    const first = (await load(org.admin.cookie, "?action=member.update")).data;
    expect(first.entries).toHaveLength(100);
    expect(first.olderLink).toMatch(/action=member.update/);
    const second = (await load(org.admin.cookie, first.olderLink!)).data;
    expect(second.entries).toHaveLength(20);
    expect(second.olderLink).toBeNull();
    const ids = new Set([...first.entries, ...second.entries].map((e) => e.id));
    expect(ids.size).toBe(120);
  });

  it("reports bad filters beside their fields instead of failing, and is for admins only", async () => {
    const { org, lead } = await seedLog();
    const res = await load(org.admin.cookie, "?from=yesterday&actor=nobody&to=&before=x");
    expect(res.status).toBe(200);
    expect(res.data.errors).toMatchObject({
      from: "Use a date like 2026-11-30.",
      actor: "Choose a person from the list.",
    });
    expect(res.data.entries.length).toBeGreaterThan(0);
    const reversed = await load(org.admin.cookie, "?from=2026-12-01&to=2026-11-01");
    expect(reversed.data.errors.to).toBe("The end date is before the start date.");

    expect((await load(lead.cookie)).status).toBe(403);
  });
});
