import { describe, expect, it } from "vitest";
import { db } from "#db/database";
import { suggestNextCycle } from "~/modules/assessments/cycles.server";
import { loadSelfAssessment } from "~/modules/assessments/self-assessment.server";
import * as cyclesRoute from "~/routes/_app.admin.cycles._index";
import { addMember, createOrgWithAdmin } from "../support/factories";
import { buildRequest, call } from "../support/remix";

type Result = {
  ok?: boolean;
  message?: string;
  formError?: string;
  fieldErrors?: Record<string, string>;
};

function post(cookie: string, form: Record<string, string>) {
  return call<Result>(cyclesRoute.action, buildRequest("/admin/cycles", { cookie, form }));
}

async function versionOf(organizationId: string) {
  const row = await db
    .selectFrom("organizations as o")
    .innerJoin("frameworks as f", "f.id", "o.default_framework_id")
    .select("f.current_version_id")
    .where("o.id", "=", organizationId)
    .executeTakeFirstOrThrow();
  return row.current_version_id as string;
}

async function cycleNamed(organizationId: string, name: string) {
  return db
    .selectFrom("cycles")
    .selectAll()
    .where("organization_id", "=", organizationId)
    .where("name", "=", name)
    .executeTakeFirstOrThrow();
}

async function createVia(
  cookie: string,
  name: string,
  startsOn: string,
  dueOn: string,
  endsOn: string,
) {
  return post(cookie, { intent: "create", name, startsOn, dueOn, endsOn });
}

describe("review cycles", () => {
  it("suggests the current quarter in the organisation's time zone, then the quarter after the newest cycle", async () => {
    const { organizationId } = await createOrgWithAdmin();
    // 23:30 UTC on 31 December is already 1 January in Tokyo.
    const newYearsEve = new Date("2026-12-31T23:30:00Z");
    expect(await suggestNextCycle(organizationId, "Asia/Tokyo", newYearsEve)).toEqual({
      name: "2027-Q1",
      startsOn: "2027-01-01",
      dueOn: "2027-01-22",
      endsOn: "2027-03-31",
    });
    expect((await suggestNextCycle(organizationId, "America/New_York", newYearsEve)).name).toBe(
      "2026-Q4",
    );

    await db
      .insertInto("cycles")
      .values({
        organization_id: organizationId,
        framework_version_id: await versionOf(organizationId),
        name: "2027-Q2",
        starts_on: "2027-04-01",
        due_on: "2027-04-22",
        ends_on: "2027-06-30",
      })
      .execute();
    expect((await suggestNextCycle(organizationId, "UTC", newYearsEve)).name).toBe("2027-Q3");
  });

  it("lets an admin create, open and close a cycle; opening starts a pre-filled draft for every active member", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    const eng = await addMember(organizationId);
    const gone = await addMember(organizationId);
    await db
      .updateTable("memberships")
      .set({ active: false })
      .where("id", "=", gone.membershipId)
      .execute();

    // Last quarter's history: one self rating.
    const versionId = await versionOf(organizationId);
    const q3 = await db
      .insertInto("cycles")
      .values({
        organization_id: organizationId,
        framework_version_id: versionId,
        name: "2026-Q3",
        status: "closed",
        starts_on: "2026-07-01",
        due_on: "2026-07-22",
        ends_on: "2026-09-30",
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const topic = await db
      .selectFrom("topic_revisions")
      .select(["topic_id", "name"])
      .where("framework_version_id", "=", versionId)
      .orderBy("position")
      .executeTakeFirstOrThrow();
    await db
      .insertInto("ratings")
      .values({
        organization_id: organizationId,
        cycle_id: q3.id,
        member_id: eng.membershipId,
        topic_id: topic.topic_id,
        source: "self",
        level: 3,
        note: "Shipped the queue rewrite",
      })
      .execute();

    const created = await createVia(
      admin.cookie,
      "2026-Q4",
      "2026-10-01",
      "2026-10-22",
      "2026-12-31",
    );
    expect(created.status).toBe(200);
    const q4 = await cycleNamed(organizationId, "2026-Q4");
    expect(q4.status).toBe("planned");

    const opened = await post(admin.cookie, { intent: "open", cycleId: q4.id });
    expect(opened.status).toBe(200);
    expect(opened.data.message).toMatch(/2 draft assessments/);
    const drafts = await db
      .selectFrom("assessments")
      .select(["member_id", "status"])
      .where("cycle_id", "=", q4.id)
      .execute();
    expect(drafts.map((d) => d.member_id).sort()).toEqual(
      [admin.membershipId, eng.membershipId].sort(),
    );
    expect(drafts.every((d) => d.status === "draft")).toBe(true);

    // The draft shows last cycle's rating as the starting value, with its real age.
    const form = await loadSelfAssessment({
      organizationId,
      memberId: eng.membershipId,
      userId: eng.id,
    });
    const prefilled = form?.categories
      .flatMap((c) => c.topics)
      .find((t) => t.id === topic.topic_id);
    expect(prefilled?.current).toMatchObject({
      level: 3,
      note: "Shipped the queue rewrite",
      thisCycle: false,
    });
    expect(prefilled?.previous).toBe(3);

    const closed = await post(admin.cookie, { intent: "close", cycleId: q4.id });
    expect(closed.status).toBe(200);
    expect((await cycleNamed(organizationId, "2026-Q4")).status).toBe("closed");
    const audit = await db
      .selectFrom("audit_log")
      .select("action")
      .where("object_id", "=", q4.id)
      .orderBy("id")
      .execute();
    expect(audit.map((a) => a.action)).toEqual(["cycle.create", "cycle.open", "cycle.close"]);
  });

  it("keeps one open cycle per organisation", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    await createVia(admin.cookie, "2026-Q3", "2026-07-01", "2026-07-22", "2026-09-30");
    await createVia(admin.cookie, "2026-Q4", "2026-10-01", "2026-10-22", "2026-12-31");
    const q3 = await cycleNamed(organizationId, "2026-Q3");
    const q4 = await cycleNamed(organizationId, "2026-Q4");
    expect((await post(admin.cookie, { intent: "open", cycleId: q3.id })).status).toBe(200);
    const second = await post(admin.cookie, { intent: "open", cycleId: q4.id });
    expect(second.status).toBe(409);
    expect(second.data.formError).toMatch(/Close 2026-Q3 before opening another cycle/);
    expect((await cycleNamed(organizationId, "2026-Q4")).status).toBe("planned");
  });

  it("pins the framework version current when the cycle opens", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    await createVia(admin.cookie, "2026-Q4", "2026-10-01", "2026-10-22", "2026-12-31");
    const q4 = await cycleNamed(organizationId, "2026-Q4");
    // A new version published after the cycle was planned.
    const framework = await db
      .selectFrom("organizations")
      .select("default_framework_id")
      .where("id", "=", organizationId)
      .executeTakeFirstOrThrow();
    const v2 = await db
      .insertInto("framework_versions")
      .values({
        organization_id: organizationId,
        framework_id: framework.default_framework_id as string,
        number: 2,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await db
      .updateTable("frameworks")
      .set({ current_version_id: v2.id })
      .where("id", "=", framework.default_framework_id as string)
      .execute();
    await post(admin.cookie, { intent: "open", cycleId: q4.id });
    expect((await cycleNamed(organizationId, "2026-Q4")).framework_version_id).toBe(v2.id);
  });

  it("rejects bad dates beside the field and overlapping cycles, saving nothing", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    const backwards = await createVia(
      admin.cookie,
      "Bad",
      "2026-10-01",
      "2026-09-01",
      "2026-12-31",
    );
    expect(backwards.status).toBe(422);
    expect(backwards.data.fieldErrors?.dueOn).toMatch(/on or after the start/);
    const notADate = await createVia(admin.cookie, "Bad", "tomorrow", "2026-10-22", "2026-12-31");
    expect(notADate.status).toBe(422);
    expect(notADate.data.fieldErrors?.startsOn).toMatch(/YYYY-MM-DD/);
    const unnamed = await createVia(admin.cookie, "  ", "2026-10-01", "2026-10-22", "2026-12-31");
    expect(unnamed.data.fieldErrors?.name).toMatch(/name/);

    await createVia(admin.cookie, "2026-Q4", "2026-10-01", "2026-10-22", "2026-12-31");
    const overlap = await createVia(
      admin.cookie,
      "Winter",
      "2026-12-01",
      "2026-12-10",
      "2027-01-31",
    );
    expect(overlap.status).toBe(409);
    expect(overlap.data.fieldErrors?.startsOn).toMatch(/overlap 2026-Q4/);
    const duplicate = await createVia(
      admin.cookie,
      "2026-q4",
      "2027-01-01",
      "2027-01-22",
      "2027-03-31",
    );
    expect(duplicate.data.fieldErrors?.name).toMatch(/already has this name/);
    const count = await db
      .selectFrom("cycles")
      .select(db.fn.countAll<number>().as("n"))
      .where("organization_id", "=", organizationId)
      .executeTakeFirstOrThrow();
    expect(count.n).toBe(1);
  });

  it("moves the due date of an open cycle but never the dates of a closed one", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    await createVia(admin.cookie, "2026-Q4", "2026-10-01", "2026-10-22", "2026-12-31");
    const q4 = await cycleNamed(organizationId, "2026-Q4");
    await post(admin.cookie, { intent: "open", cycleId: q4.id });
    const moved = await post(admin.cookie, {
      intent: "dates",
      cycleId: q4.id,
      startsOn: "2026-10-01",
      dueOn: "2026-11-05",
      endsOn: "2026-12-31",
    });
    expect(moved.status).toBe(200);
    expect((await cycleNamed(organizationId, "2026-Q4")).due_on).toBe("2026-11-05");
    await post(admin.cookie, { intent: "close", cycleId: q4.id });
    const late = await post(admin.cookie, {
      intent: "dates",
      cycleId: q4.id,
      startsOn: "2026-10-01",
      dueOn: "2026-11-20",
      endsOn: "2026-12-31",
    });
    expect(late.status).toBe(409);
    expect((await cycleNamed(organizationId, "2026-Q4")).due_on).toBe("2026-11-05");
  });

  it("is for admins only, and another organisation's cycle is not found", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    const lead = await addMember(organizationId, "lead");
    const eng = await addMember(organizationId, "engineer");
    for (const cookie of [lead.cookie, eng.cookie]) {
      expect(
        (await call(cyclesRoute.loader, buildRequest("/admin/cycles", { cookie }))).status,
      ).toBe(403);
      expect(
        (
          await post(cookie, {
            intent: "create",
            name: "X",
            startsOn: "2026-10-01",
            dueOn: "2026-10-22",
            endsOn: "2026-12-31",
          })
        ).status,
      ).toBe(403);
    }
    await createVia(admin.cookie, "2026-Q4", "2026-10-01", "2026-10-22", "2026-12-31");
    const theirs = await cycleNamed(organizationId, "2026-Q4");

    const other = await createOrgWithAdmin();
    for (const intent of ["open", "close", "delete"]) {
      expect((await post(other.admin.cookie, { intent, cycleId: theirs.id })).status).toBe(404);
    }
    expect((await cycleNamed(organizationId, "2026-Q4")).status).toBe("planned");
    const listed = await call<{ cycles: { id: string }[] }>(
      cyclesRoute.loader,
      buildRequest("/admin/cycles", { cookie: other.admin.cookie }),
    );
    expect(listed.data.cycles).toEqual([]);
  });
});
