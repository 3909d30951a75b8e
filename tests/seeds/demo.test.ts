import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { DEMO_LOGINS, DEMO_ORGANIZATION_NAME, seedDemo, type SeedDemoResult } from "#seeds/demo";
import { logIn } from "~/modules/accounts/credentials.server";

// The database is shared with the other test files of the run: everything here is scoped to
// the demo organisation.

let result: SeedDemoResult;
let existedBefore = false;
let seconds = 0;
let orgId = "";

async function demoAdminOrg() {
  const row = await db
    .selectFrom("users as u")
    .innerJoin("memberships as m", "m.user_id", "u.id")
    .select("m.organization_id")
    .where("u.email", "=", DEMO_LOGINS[0].email)
    .executeTakeFirst();
  return row?.organization_id ?? null;
}

async function topicCount(organizationId: string) {
  const row = await db
    .selectFrom("organizations as o")
    .innerJoin("frameworks as f", "f.id", "o.default_framework_id")
    .innerJoin("topic_revisions as tr", "tr.framework_version_id", "f.current_version_id")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("o.id", "=", organizationId)
    .where("tr.retired", "=", false)
    .executeTakeFirstOrThrow();
  return row.n;
}

const TENANT_TABLES = [
  "memberships",
  "teams",
  "team_members",
  "cycles",
  "ratings",
  "current_ratings",
  "assessments",
  "topic_flags",
  "mentorships",
  "check_ins",
  "capability_targets",
  "frameworks",
  "topic_revisions",
  "audit_log",
] as const;

async function rowCounts(organizationId: string) {
  const counts: Record<string, number> = {};
  for (const table of TENANT_TABLES) {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("organization_id", "=", organizationId)
      .executeTakeFirstOrThrow();
    counts[table] = row.n;
  }
  const users = await db
    .selectFrom("users")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("email", "like", "%@demo.gapmap.test")
    .executeTakeFirstOrThrow();
  counts.users = users.n;
  const orgs = await db
    .selectFrom("organizations")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("name", "=", DEMO_ORGANIZATION_NAME)
    .executeTakeFirstOrThrow();
  counts.organizations = orgs.n;
  return counts;
}

beforeAll(async () => {
  existedBefore = (await demoAdminOrg()) !== null;
  const started = performance.now();
  result = await seedDemo();
  seconds = (performance.now() - started) / 1000;
  orgId = result.organizationId;
  console.log(
    `seedDemo: ${seconds.toFixed(2)} s, ${result.members} members, ${result.ratings} ratings`,
  );
}, 120_000);

describe("the demo data set", () => {
  it("creates one organisation, quickly", async () => {
    if (!existedBefore) expect(result.created).toBe(true);
    if (result.created) expect(seconds).toBeLessThan(15);
    const org = await db
      .selectFrom("organizations")
      .select(["name", "time_zone", "default_framework_id"])
      .where("id", "=", orgId)
      .executeTakeFirstOrThrow();
    expect(org).toMatchObject({ name: DEMO_ORGANIZATION_NAME, time_zone: "Europe/London" });
    expect(org.default_framework_id).not.toBeNull();
    expect(await demoAdminOrg()).toBe(orgId);
  });

  it("has three teams, each with one or two leads, and ~40 active members", async () => {
    const teams = await db
      .selectFrom("teams as t")
      .leftJoin("team_members as tm", "tm.team_id", "t.id")
      .leftJoin("memberships as m", "m.id", "tm.membership_id")
      .select((eb) => [
        "t.name",
        eb.fn.count<number>("m.id").filterWhere("m.active", "=", true).as("members"),
        eb.fn.count<number>("m.id").filterWhere("tm.is_lead", "=", true).as("leads"),
        eb.fn
          .count<number>("m.id")
          .filterWhere((w) => w.and([w("tm.is_lead", "=", true), w("m.role", "=", "lead")]))
          .as("lead_role"),
      ])
      .where("t.organization_id", "=", orgId)
      .groupBy("t.name")
      .orderBy("t.name")
      .execute();
    expect(teams.map((t) => t.name)).toEqual(["Growth", "Payments", "Platform"]);
    for (const team of teams) {
      expect(team.leads).toBeGreaterThanOrEqual(1);
      expect(team.leads).toBeLessThanOrEqual(2);
      expect(team.lead_role).toBe(team.leads);
      expect(team.members).toBeGreaterThanOrEqual(8);
    }
    const members = await db
      .selectFrom("memberships")
      .select(["active", "title", "target_profile_id", "deactivated_at"])
      .where("organization_id", "=", orgId)
      .execute();
    const active = members.filter((m) => m.active);
    expect(active.length).toBeGreaterThanOrEqual(35);
    expect(active.length).toBeLessThanOrEqual(45);
    expect(result.members).toBe(active.length);
    expect(members.every((m) => m.title && m.target_profile_id)).toBe(true);
    const inactive = members.filter((m) => !m.active);
    expect(inactive).toHaveLength(2);
    expect(inactive.every((m) => m.deactivated_at)).toBe(true);
    // Mostly Senior, some Mid.
    const profiles = await db
      .selectFrom("memberships as m")
      .innerJoin("target_profiles as p", "p.id", "m.target_profile_id")
      .select(["p.name", (eb) => eb.fn.countAll<number>().as("n")])
      .where("m.organization_id", "=", orgId)
      .where("m.active", "=", true)
      .groupBy("p.name")
      .execute();
    const senior = profiles.find((p) => p.name.startsWith("Senior"))?.n ?? 0;
    const mid = profiles.find((p) => p.name.startsWith("Mid"))?.n ?? 0;
    expect(senior).toBeGreaterThan(mid);
    expect(mid).toBeGreaterThan(0);
  });

  it("has the three documented logins with the right roles", async () => {
    const rows = await db
      .selectFrom("users as u")
      .innerJoin("memberships as m", "m.user_id", "u.id")
      .leftJoin("team_members as tm", "tm.membership_id", "m.id")
      .leftJoin("teams as t", "t.id", "tm.team_id")
      .select(["u.email", "u.display_name", "m.role", "m.active", "t.name as team", "tm.is_lead"])
      .where("m.organization_id", "=", orgId)
      .where(
        "u.email",
        "in",
        DEMO_LOGINS.map((l) => l.email),
      )
      .execute();
    for (const login of DEMO_LOGINS) {
      const row = rows.find((r) => r.email === login.email);
      expect(row, login.email).toBeDefined();
      expect(row?.role).toBe(login.role);
      expect(row?.display_name).toBe(login.name);
      expect(row?.active).toBe(true);
      expect(login.password.length).toBeGreaterThanOrEqual(10);
    }
    expect(rows.find((r) => r.role === "lead")).toMatchObject({ team: "Platform", is_lead: true });
    expect(rows.find((r) => r.role === "engineer")).toMatchObject({
      team: "Platform",
      is_lead: false,
    });

    const login = await logIn(
      { email: DEMO_LOGINS[0].email, password: DEMO_LOGINS[0].password },
      "127.0.0.1",
    );
    expect(login.userId).toEqual(expect.any(String));
  });

  it("has four quarterly cycles on the current framework version, exactly one open", async () => {
    const cycles = await db
      .selectFrom("cycles as c")
      .innerJoin("frameworks as f", "f.organization_id", "c.organization_id")
      .select([
        "c.name",
        "c.status",
        "c.starts_on",
        "c.due_on",
        "c.ends_on",
        "c.framework_version_id",
        "f.current_version_id",
      ])
      .where("c.organization_id", "=", orgId)
      .orderBy("c.starts_on")
      .execute();
    expect(cycles.map((c) => [c.name, c.status])).toEqual([
      ["2026-Q1", "closed"],
      ["2026-Q2", "closed"],
      ["2026-Q3", "closed"],
      ["2026-Q4", "open"],
    ]);
    expect(cycles[3]).toMatchObject({
      starts_on: "2026-10-01",
      due_on: "2026-11-30",
      ends_on: "2026-12-31",
    });
    expect(cycles.every((c) => c.framework_version_id === c.current_version_id)).toBe(true);
  });

  it("has a self rating of every topic by every active member in every closed cycle", async () => {
    const topics = await topicCount(orgId);
    expect(topics).toBeGreaterThanOrEqual(50);
    const rows = await db
      .selectFrom("ratings as r")
      .innerJoin("cycles as c", "c.id", "r.cycle_id")
      .innerJoin("memberships as m", "m.id", "r.member_id")
      .select([
        "c.name",
        (eb) => eb.fn.countAll<number>().as("n"),
        (eb) => eb.fn.count<number>("r.member_id").distinct().as("members"),
      ])
      .where("r.organization_id", "=", orgId)
      .where("r.source", "=", "self")
      .where("c.status", "=", "closed")
      .where("m.active", "=", true)
      .groupBy("c.name")
      .orderBy("c.name")
      .execute();
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row.members).toBe(result.members);
      expect(row.n).toBe(result.members * topics);
    }
    // Deactivated members keep their history.
    const leavers = await db
      .selectFrom("ratings as r")
      .innerJoin("memberships as m", "m.id", "r.member_id")
      .select((eb) => eb.fn.count<number>("r.member_id").distinct().as("n"))
      .where("r.organization_id", "=", orgId)
      .where("m.active", "=", false)
      .executeTakeFirstOrThrow();
    expect(leavers.n).toBe(2);
    // The open cycle: most have rated, the others have not started or are part-way.
    const open = await sql<{ complete: number; partial: number }>`
      SELECT count(*) FILTER (WHERE n = ${topics})::int AS complete,
             count(*) FILTER (WHERE n < ${topics})::int AS partial
      FROM (SELECT r.member_id, count(*) AS n FROM ratings r JOIN cycles c ON c.id = r.cycle_id
            WHERE r.organization_id = ${orgId} AND r.source = 'self' AND c.status = 'open'
            GROUP BY r.member_id) per_member`.execute(db);
    const { complete, partial } = open.rows[0] as { complete: number; partial: number };
    expect(complete / result.members).toBeGreaterThan(0.55);
    expect(complete / result.members).toBeLessThan(0.85);
    expect(partial).toBeGreaterThan(0);
    const total = await db
      .selectFrom("ratings")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("organization_id", "=", orgId)
      .executeTakeFirstOrThrow();
    expect(total.n).toBe(result.ratings);
  });

  it("varies: levels across the scale, some N/A, notes and evidence links", async () => {
    const rows = await db
      .selectFrom("ratings")
      .select((eb) => [
        "level",
        eb.fn.countAll<number>().as("n"),
        eb.fn.count<number>("note").as("notes"),
        eb.fn
          .countAll<number>()
          .filterWhere(sql<boolean>`cardinality(evidence_urls) > 0`)
          .as("evidence"),
      ])
      .where("organization_id", "=", orgId)
      .where("source", "=", "self")
      .groupBy("level")
      .execute();
    const total = rows.reduce((sum, r) => sum + r.n, 0);
    for (const level of [0, 1, 2, 3, 4])
      expect(rows.find((r) => r.level === level)?.n ?? 0).toBeGreaterThan(0);
    const na = rows.find((r) => r.level === null)?.n ?? 0;
    expect(na / total).toBeGreaterThan(0.01);
    expect(na / total).toBeLessThan(0.06);
    expect(rows.reduce((sum, r) => sum + r.notes, 0)).toBeGreaterThan(50);
    expect(rows.reduce((sum, r) => sum + r.evidence, 0)).toBeGreaterThan(50);
    const evidence = await db
      .selectFrom("ratings")
      .select("evidence_urls")
      .where("organization_id", "=", orgId)
      .where(sql<boolean>`cardinality(evidence_urls) > 0`)
      .limit(5)
      .execute();
    for (const row of evidence)
      for (const url of row.evidence_urls)
        expect(url).toMatch(/^https:\/\/github\.com\/acme\/.+\/pull\/\d+$/);
  });

  it("has lead ratings, with some self/lead disagreements of two levels or more", async () => {
    const pairs = await sql<{ pairs: number; apart: number }>`
      SELECT count(*)::int AS pairs,
             count(*) FILTER (WHERE abs(s.level - l.level) >= 2)::int AS apart
      FROM ratings s
      JOIN ratings l ON l.cycle_id = s.cycle_id AND l.member_id = s.member_id
                    AND l.topic_id = s.topic_id AND l.source = 'lead'
      WHERE s.organization_id = ${orgId} AND s.source = 'self'`.execute(db);
    const { pairs: total, apart } = pairs.rows[0] as { pairs: number; apart: number };
    expect(total).toBeGreaterThan(result.members * 50);
    expect(apart).toBeGreaterThan(5);
    expect(apart / total).toBeLessThan(0.05);
    // The open cycle already has a calibration queue.
    const queue = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM current_ratings s
      JOIN current_ratings l ON l.member_id = s.member_id AND l.topic_id = s.topic_id AND l.source = 'lead'
      JOIN cycles c ON c.id = l.cycle_id AND c.status = 'open'
      WHERE s.organization_id = ${orgId} AND s.source = 'self' AND abs(s.level - l.level) >= 2`.execute(
      db,
    );
    expect(queue.rows[0]?.n).toBeGreaterThan(0);
  });

  it("has assessments: validated or submitted in closed cycles, a mix in the open one", async () => {
    const rows = await db
      .selectFrom("assessments as a")
      .innerJoin("cycles as c", "c.id", "a.cycle_id")
      .select(["c.status as cycle", "a.status", (eb) => eb.fn.countAll<number>().as("n")])
      .where("a.organization_id", "=", orgId)
      .groupBy(["c.status", "a.status"])
      .execute();
    const closed = rows.filter((r) => r.cycle === "closed");
    expect(closed.map((r) => r.status).sort()).toEqual(["submitted", "validated"]);
    expect(closed.find((r) => r.status === "validated")?.n).toBeGreaterThan(
      closed.find((r) => r.status === "submitted")?.n ?? 0,
    );
    const open = rows.filter((r) => r.cycle === "open");
    expect(open.map((r) => r.status).sort()).toEqual(["draft", "submitted", "validated"]);
    // A validated assessment has lead ratings; a submitted one waits for them.
    const mismatch = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM assessments a
      WHERE a.organization_id = ${orgId}
        AND (a.status = 'validated') <> EXISTS (
          SELECT 1 FROM ratings r WHERE r.cycle_id = a.cycle_id AND r.member_id = a.member_id AND r.source = 'lead')`.execute(
      db,
    );
    expect(mismatch.rows[0]?.n).toBe(0);
  });

  it("keeps current_ratings on the newest rating of every member × topic × source", async () => {
    const topics = await topicCount(orgId);
    const perMember = await db
      .selectFrom("current_ratings")
      .select(["member_id", (eb) => eb.fn.countAll<number>().as("n")])
      .where("organization_id", "=", orgId)
      .where("source", "=", "self")
      .groupBy("member_id")
      .execute();
    expect(perMember.length).toBe(result.members + 2);
    expect(perMember.every((m) => m.n === topics)).toBe(true);
    const stale = await sql<{ n: number }>`
      SELECT count(*)::int AS n
      FROM (SELECT DISTINCT ON (member_id, topic_id, source) member_id, topic_id, source, id, level, created_at
            FROM ratings WHERE organization_id = ${orgId}
            ORDER BY member_id, topic_id, source, id DESC) newest
      FULL JOIN (SELECT * FROM current_ratings WHERE organization_id = ${orgId}) c
        USING (member_id, topic_id, source)
      WHERE c.rating_id IS DISTINCT FROM newest.id OR c.level IS DISTINCT FROM newest.level`.execute(
      db,
    );
    expect(stale.rows[0]?.n).toBe(0);
    // Inserted in chronological order: ids follow created_at.
    const disorder = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM (
        SELECT created_at < lag(created_at) OVER (ORDER BY id) AS back FROM ratings
        WHERE organization_id = ${orgId}) t WHERE back`.execute(db);
    expect(disorder.rows[0]?.n).toBe(0);
  });

  it("has bus-factor risks and well-covered topics", async () => {
    const coverage = await db
      .selectFrom("current_ratings as cr")
      .innerJoin("memberships as m", "m.id", "cr.member_id")
      .select([
        "cr.topic_id",
        (eb) => eb.fn.countAll<number>().filterWhere("cr.level", ">=", 3).as("proficient"),
      ])
      .where("cr.organization_id", "=", orgId)
      .where("cr.source", "=", "self")
      .where("m.active", "=", true)
      .groupBy("cr.topic_id")
      .execute();
    expect(coverage.filter((t) => t.proficient <= 1).length).toBeGreaterThanOrEqual(2);
    expect(
      coverage.filter((t) => t.proficient >= result.members / 2).length,
    ).toBeGreaterThanOrEqual(5);
  });

  it("has want-to-learn and can-mentor flags", async () => {
    const flags = await db
      .selectFrom("topic_flags")
      .select((eb) => [
        eb.fn.countAll<number>().filterWhere("want_to_learn", "=", true).as("learn"),
        eb.fn.countAll<number>().filterWhere("can_mentor", "=", true).as("mentor"),
      ])
      .where("organization_id", "=", orgId)
      .executeTakeFirstOrThrow();
    expect(flags.learn).toBeGreaterThan(10);
    expect(flags.mentor).toBeGreaterThan(10);
  });

  it("has mentorships with check-ins, and a mentee whose level moved", async () => {
    const mentorships = await db
      .selectFrom("mentorships as ms")
      .leftJoin("check_ins as ci", "ci.mentorship_id", "ms.id")
      .select((eb) => [
        "ms.id",
        "ms.status",
        "ms.mentee_id",
        "ms.topic_id",
        "ms.baseline_level",
        "ms.goal_level",
        "ms.cadence_days",
        "ms.starts_on",
        eb.fn.count<number>("ci.id").as("check_ins"),
      ])
      .where("ms.organization_id", "=", orgId)
      .groupBy("ms.id")
      .execute();
    expect(mentorships.length).toBeGreaterThanOrEqual(8);
    const statuses = new Set(mentorships.map((m) => m.status));
    for (const status of ["active", "completed", "proposed"] as const)
      expect(statuses).toContain(status);
    for (const m of mentorships) {
      expect(m.baseline_level).not.toBeNull();
      expect(m.goal_level).toBeGreaterThan(m.baseline_level as number);
      expect(m.cadence_days).toBe(14);
      if (m.status === "proposed") expect(m.check_ins).toBe(0);
      else {
        expect(m.check_ins).toBeGreaterThanOrEqual(1);
        expect(m.check_ins).toBeLessThanOrEqual(4);
      }
    }
    // The loop closes: a completed mentorship's mentee rated higher in a later cycle.
    const moved = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM mentorships ms
      WHERE ms.organization_id = ${orgId} AND ms.status = 'completed'
        AND EXISTS (SELECT 1 FROM ratings r JOIN cycles c ON c.id = r.cycle_id
                    WHERE r.member_id = ms.mentee_id AND r.topic_id = ms.topic_id AND r.source = 'self'
                      AND c.starts_on > ms.starts_on AND r.level > ms.baseline_level)`.execute(db);
    expect(moved.rows[0]?.n).toBeGreaterThan(0);
    // The engineer login has a mentor.
    const erin = await db
      .selectFrom("mentorships as ms")
      .innerJoin("memberships as m", "m.id", "ms.mentee_id")
      .innerJoin("users as u", "u.id", "m.user_id")
      .select("ms.status")
      .where("u.email", "=", DEMO_LOGINS[2].email)
      .execute();
    expect(erin.map((m) => m.status)).toContain("active");
  });

  it("does nothing the second time", async () => {
    const before = await rowCounts(orgId);
    const again = await seedDemo();
    expect(again).toEqual({ ...result, created: false });
    expect(await rowCounts(orgId)).toEqual(before);
  });
});
