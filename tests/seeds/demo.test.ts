import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { Rng } from "#seeds/bulk";
import {
  DEMO_LOGINS,
  DEMO_ORGANIZATION_NAME,
  demoCycles,
  seedDemo,
  type SeedDemoResult,
} from "#seeds/demo";
import { buildPeople } from "#seeds/demo-story";
import { logIn } from "~/modules/accounts/credentials.server";
import type { ReportSummary } from "~/modules/reports/generate-report.server";

// The demo tells a story (issue 22): these tests check its shape (the trend rises, few
// ratings move per quarter and mostly up, mentees improve), not exact numbers. The database
// is shared with the other test files of the run: everything is scoped to the demo
// organisation.

let result: SeedDemoResult;
let existedBefore = false;
let seconds = 0;
let orgId = "";
const today = new Date().toISOString().slice(0, 10);

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

/** The closed quarters' reports, oldest first: the organisation's (team null) and each team's. */
async function closedReports() {
  const rows = await db
    .selectFrom("reports as r")
    .innerJoin("cycles as c", "c.id", "r.cycle_id")
    .leftJoin("teams as t", "t.id", "r.team_id")
    .select([
      "c.name as cycle",
      "c.closed_at",
      "t.name as team",
      "r.trigger",
      "r.generated_at",
      "r.snapshot",
    ])
    .where("r.organization_id", "=", orgId)
    .orderBy("c.starts_on")
    .execute();
  return rows.map((r) => ({ ...r, summary: r.snapshot as unknown as ReportSummary }));
}

const TENANT_TABLES = [
  "memberships",
  "teams",
  "team_members",
  "target_profiles",
  "cycles",
  "ratings",
  "current_levels",
  "assessments",
  "topic_flags",
  "mentorships",
  "check_ins",
  "capability_targets",
  "frameworks",
  "topic_revisions",
  "reports",
  "report_rows",
  "audit_log",
  "development_plans",
  "plan_goals",
  "plan_comments",
  "topic_resources",
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
}, 180_000);

describe("the demo organisation", () => {
  it("is one organisation, created quickly, with the documented logins", async () => {
    if (!existedBefore) expect(result.created).toBe(true);
    if (result.created) expect(seconds).toBeLessThan(30);
    const org = await db
      .selectFrom("organizations")
      .select(["name", "time_zone", "default_framework_id"])
      .where("id", "=", orgId)
      .executeTakeFirstOrThrow();
    expect(org).toMatchObject({ name: DEMO_ORGANIZATION_NAME, time_zone: "Europe/London" });
    expect(await demoAdminOrg()).toBe(orgId);
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
      expect(row, login.email).toMatchObject({
        role: login.role,
        display_name: login.name,
        active: true,
      });
      const session = await logIn({ email: login.email, password: login.password }, "127.0.0.1");
      expect(session.userId).toEqual(expect.any(String));
    }
    expect(rows.find((r) => r.role === "lead")).toMatchObject({ team: "Platform", is_lead: true });
    expect(rows.find((r) => r.role === "engineer")).toMatchObject({
      team: "Platform",
      is_lead: false,
    });
  });

  it("has three teams mixing juniors, mids and seniors on the matching target profiles", async () => {
    const members = await db
      .selectFrom("memberships as m")
      .innerJoin("target_profiles as p", "p.id", "m.target_profile_id")
      .leftJoin("team_members as tm", "tm.membership_id", "m.id")
      .leftJoin("teams as t", "t.id", "tm.team_id")
      .select(["m.active", "m.title", "m.deactivated_at", "p.name as profile", "t.name as team"])
      .where("m.organization_id", "=", orgId)
      .execute();
    const active = members.filter((m) => m.active);
    expect(active.length).toBeGreaterThanOrEqual(35);
    expect(active.length).toBeLessThanOrEqual(45);
    expect(result.members).toBe(active.length);
    const leavers = members.filter((m) => !m.active);
    expect(leavers).toHaveLength(2);
    expect(leavers.every((m) => m.deactivated_at)).toBe(true);
    for (const team of ["Growth", "Payments", "Platform"]) {
      const profiles = active.filter((m) => m.team === team).map((m) => m.profile.split(" ")[0]);
      for (const profile of ["Junior", "Mid", "Senior"])
        expect(
          profiles.filter((p) => p === profile).length,
          `${team} ${profile}`,
        ).toBeGreaterThanOrEqual(profile === "Senior" ? 3 : 2);
    }
    // Titles match profiles: a "Junior …" or graduate is on the Junior profile, a "Senior …",
    // lead or staff engineer on the Senior one.
    for (const m of active) {
      if (/^(Junior|Graduate)/.test(m.title ?? "")) expect(m.profile).toMatch(/^Junior/);
      if (/Senior|Lead|Staff|Head/.test(m.title ?? "")) expect(m.profile).toMatch(/^Senior/);
    }
  });

  it("has four quarterly cycles ending with the open current quarter, due in the future", async () => {
    const cycles = await db
      .selectFrom("cycles")
      .select(["name", "status", "starts_on", "due_on", "ends_on", "closed_at"])
      .where("organization_id", "=", orgId)
      .orderBy("starts_on")
      .execute();
    expect(cycles.map((c) => c.status)).toEqual(["closed", "closed", "closed", "open"]);
    expect(cycles.map((c) => c.name)).toEqual(demoCycles(new Date()).map((c) => c.name));
    const open = cycles[3]!;
    expect(open.starts_on <= today).toBe(true);
    expect(open.due_on > today).toBe(true);
    expect(open.ends_on >= open.due_on).toBe(true);
    for (const closed of cycles.slice(0, 3)) {
      expect(closed.ends_on < today).toBe(true);
      expect(closed.closed_at?.toISOString().slice(0, 10)).toBe(closed.ends_on);
    }
  });
});

describe("the demo's story", () => {
  it("seniors meet most must-haves, mids fewer, juniors fewest", async () => {
    const rows = await sql<{ profile: string; met: number; total: number }>`
      SELECT split_part(p.name, ' ', 1) AS profile, sum(cp.must_have_met)::int AS met,
        sum(cp.must_have_total)::int AS total
      FROM cycle_progress cp
      JOIN cycles c ON c.id = cp.cycle_id
      JOIN memberships m ON m.id = cp.member_id
      JOIN target_profiles p ON p.id = m.target_profile_id
      WHERE cp.organization_id = ${orgId}
        AND c.starts_on = (SELECT max(starts_on) FROM cycles
          WHERE organization_id = ${orgId} AND status = 'closed')
      GROUP BY 1`.execute(db);
    const share = (profile: string) => {
      const row = rows.rows.find((r) => r.profile === profile);
      return row ? row.met / row.total : 0;
    };
    console.log(
      `must-have share in the last closed quarter: senior ${share("Senior").toFixed(2)}, mid ${share("Mid").toFixed(2)}, junior ${share("Junior").toFixed(2)}`,
    );
    expect(share("Senior")).toBeGreaterThan(0.6);
    expect(share("Mid")).toBeLessThan(share("Senior"));
    expect(share("Junior")).toBeLessThan(share("Mid"));
    // Seniors are not rated None on their must-haves.
    const seniorZeros = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM member_levels ml
      JOIN memberships m ON m.id = ml.member_id
      JOIN target_profiles p ON p.id = m.target_profile_id
      JOIN topic_targets tt ON tt.target_profile_id = p.id AND tt.topic_id = ml.topic_id
      WHERE ml.organization_id = ${orgId} AND p.name LIKE 'Senior%'
        AND tt.priority = 'must_have' AND ml.level = 0`.execute(db);
    expect(seniorZeros.rows[0]?.n).toBe(0);
  });

  it("each closed quarter's report: few levels moved, nearly all upward", async () => {
    const reports = (await closedReports()).filter((r) => r.team === null);
    expect(reports).toHaveLength(3);
    for (const { cycle, summary } of reports.slice(1)) {
      const { improved, regressed, unchanged, stale } = summary.changes!;
      const rated = improved + regressed + unchanged + stale;
      console.log(`${cycle}: ${improved} up, ${regressed} down of ${rated} rated`);
      expect(improved).toBeGreaterThan(0);
      expect((improved + regressed) / rated).toBeLessThanOrEqual(0.1);
      expect(improved).toBeGreaterThanOrEqual(4 * regressed);
    }
  });

  it("the must-have share rises quarter on quarter, from under 55 % to over 60 %", async () => {
    const reports = (await closedReports()).filter((r) => r.team === null);
    const shares = reports.map((r) => r.summary.mustHave!.metNow / r.summary.mustHave!.totalNow);
    // The last closed quarter's trend chart carries the same figures.
    const trend = reports[2]!.summary.trend.map((p) => p.met / p.total);
    console.log(`must-have share: ${shares.map((s) => (100 * s).toFixed(1)).join(" → ")} %`);
    expect(trend).toEqual(shares);
    expect(shares[0]).toBeLessThan(0.55);
    expect(shares[1]).toBeGreaterThan(shares[0]!);
    expect(shares[2]).toBeGreaterThan(shares[1]!);
    // The open quarter, as far as it has got (the gap view's "now"), is higher still.
    const now = await sql<{ met: number; total: number }>`
      WITH shown AS (
        SELECT member_id, topic_id, level FROM member_levels WHERE organization_id = ${orgId})
      SELECT count(*) FILTER (WHERE s.level >= tt.target_level)::int AS met,
        count(s.level)::int AS total
      FROM shown s
      JOIN memberships m ON m.id = s.member_id AND m.active
      JOIN cycles c ON c.organization_id = m.organization_id AND c.status = 'open'
      JOIN topic_targets tt ON tt.framework_version_id = c.framework_version_id
        AND tt.target_profile_id = m.target_profile_id AND tt.topic_id = s.topic_id
      WHERE tt.priority = 'must_have'`.execute(db);
    const open = now.rows[0]!.met / now.rows[0]!.total;
    console.log(`must-have share now: ${(100 * open).toFixed(1)} %`);
    expect(open).toBeGreaterThan(shares[2]!);
    expect(open).toBeGreaterThan(0.6);
  });

  it("mentorships in every team over the year; completed ones' mentees improved on their topic", async () => {
    const mentorships = await sql<{
      team: string;
      status: string;
      baseline_level: number;
      goal_level: number;
      starts_on: string;
      later_level: number | null;
    }>`
      SELECT t.name AS team, ms.status, ms.baseline_level, ms.goal_level, ms.starts_on::text,
        (SELECT max(r.level) FROM ratings r JOIN cycles c ON c.id = r.cycle_id
          WHERE r.member_id = ms.mentee_id AND r.topic_id = ms.topic_id AND c.starts_on > ms.starts_on)
          AS later_level
      FROM mentorships ms
      JOIN team_members tm ON tm.membership_id = ms.mentee_id
      JOIN teams t ON t.id = tm.team_id
      WHERE ms.organization_id = ${orgId}`.execute(db);
    for (const team of ["Growth", "Payments", "Platform"]) {
      const ofTeam = mentorships.rows.filter((m) => m.team === team);
      expect(ofTeam.filter((m) => m.status !== "proposed").length, team).toBeGreaterThanOrEqual(3);
    }
    const completed = mentorships.rows.filter((m) => m.status === "completed");
    expect(completed.length).toBeGreaterThanOrEqual(4);
    for (const m of completed) expect(m.later_level).toBeGreaterThanOrEqual(m.goal_level);
    for (const m of mentorships.rows) expect(m.goal_level).toBeGreaterThan(m.baseline_level);
    // The reports show the loop: mentees improved, check-ins logged, mentors on top gaps.
    const reports = (await closedReports()).filter((r) => r.team === null);
    for (const { summary } of reports.slice(1)) {
      expect(summary.mentoring.menteesImproved).toBeGreaterThan(0);
      expect(summary.mentoring.active).toBeGreaterThan(0);
      expect(summary.mentoring.checkIns).toBeGreaterThan(5);
    }
    expect(reports[2]!.summary.topGaps.some((g) => g.mentored > 0)).toBe(true);
  });

  it("development plans in every team, last quarter's and this quarter's, the former's goals judged in its report; learning links", async () => {
    const plans = await sql<{ team: string; cycle_status: string; goals: number }>`
      SELECT t.name AS team, c.status::text AS cycle_status,
        (SELECT count(*) FROM plan_goals g WHERE g.plan_id = p.id)::int AS goals
      FROM development_plans p
      JOIN cycles c ON c.id = p.cycle_id
      JOIN team_members tm ON tm.membership_id = p.member_id
      JOIN teams t ON t.id = tm.team_id
      WHERE p.organization_id = ${orgId}`.execute(db);
    for (const team of ["Growth", "Payments", "Platform"]) {
      const ofTeam = plans.rows.filter((p) => p.team === team);
      expect(ofTeam.filter((p) => p.cycle_status === "open").length, team).toBeGreaterThan(0);
      expect(ofTeam.filter((p) => p.cycle_status === "closed").length, team).toBeGreaterThan(0);
      for (const plan of ofTeam) expect(plan.goals).toBeGreaterThan(0);
    }
    // Last quarter's goals, as its report judged them: some met, as growth on a plan should.
    const outcomes = await sql<{ outcome: string; n: number }>`
      SELECT outcome, count(DISTINCT goal_id)::int AS n FROM report_plan_goals
      WHERE organization_id = ${orgId} GROUP BY outcome`.execute(db);
    const met = outcomes.rows.find((o) => o.outcome === "met")?.n ?? 0;
    expect(met).toBeGreaterThan(0);
    const resources = await db
      .selectFrom("topic_resources")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("organization_id", "=", orgId)
      .executeTakeFirstOrThrow();
    expect(resources.n).toBeGreaterThanOrEqual(10);
  });

  it("check-ins come every two weeks, and exactly one mentorship is overdue", async () => {
    const rows = await sql<{
      id: string;
      cadence_days: number;
      starts_on: string;
      dates: string[];
    }>`
      SELECT ms.id, ms.cadence_days, ms.starts_on::text,
        coalesce(array_agg(ci.occurred_on::text ORDER BY ci.occurred_on)
          FILTER (WHERE ci.id IS NOT NULL), '{}') AS dates
      FROM mentorships ms LEFT JOIN check_ins ci ON ci.mentorship_id = ms.id
      WHERE ms.organization_id = ${orgId} AND ms.status = 'active'
      GROUP BY ms.id, ms.organization_id`.execute(db);
    let overdue = 0;
    for (const m of rows.rows) {
      const days = [m.starts_on, ...m.dates].map((d) => Date.parse(d) / 86_400_000);
      for (let i = 1; i < days.length; i++)
        expect(days[i]! - days[i - 1]!).toBeLessThanOrEqual(m.cadence_days);
      if (days[days.length - 1]! + m.cadence_days < Date.parse(today) / 86_400_000) overdue++;
    }
    expect(rows.rows.length).toBeGreaterThanOrEqual(6);
    expect(overdue).toBe(1);
  });

  it("has a handful of stale ratings, calibration items and bus-factor risks", async () => {
    const stale = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM current_levels cl
      JOIN memberships m ON m.id = cl.member_id AND m.active
      JOIN organizations o ON o.id = cl.organization_id
      WHERE cl.organization_id = ${orgId} AND cl.self_rating_id IS NOT NULL
        AND cl.self_rated_at < now() - make_interval(days => o.stale_after_days)`.execute(db);
    expect(stale.rows[0]?.n).toBeGreaterThanOrEqual(3);
    expect(stale.rows[0]?.n).toBeLessThanOrEqual(20);
    const calibration = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM current_levels cl
      JOIN cycles c ON c.id = cl.lead_cycle_id AND c.status = 'open'
      WHERE cl.organization_id = ${orgId} AND abs(cl.self_level - cl.lead_level) >= 2`.execute(db);
    expect(calibration.rows[0]?.n).toBeGreaterThanOrEqual(3);
    expect(calibration.rows[0]?.n).toBeLessThanOrEqual(15);
    const risks = await sql<{ team: string; n: number }>`
      SELECT t.name AS team, count(*)::int AS n FROM (
        SELECT tm.team_id, ml.topic_id
        FROM member_levels ml
        JOIN team_members tm ON tm.membership_id = ml.member_id
        JOIN memberships m ON m.id = ml.member_id AND m.active
        WHERE ml.organization_id = ${orgId}
        GROUP BY tm.team_id, ml.topic_id
        HAVING count(*) FILTER (WHERE ml.level >= 3) <= 1) risky
      JOIN teams t ON t.id = risky.team_id GROUP BY t.name`.execute(db);
    console.log(`bus-factor risks: ${risks.rows.map((r) => `${r.team} ${r.n}`).join(", ")}`);
    for (const team of ["Growth", "Payments", "Platform"]) {
      expect(risks.rows.find((r) => r.team === team)?.n ?? 0, team).toBeGreaterThanOrEqual(2);
      expect(risks.rows.find((r) => r.team === team)?.n ?? 0, team).toBeLessThanOrEqual(14);
    }
  });

  it("the open quarter: about half of the assessments submitted, some validated", async () => {
    const rows = await db
      .selectFrom("assessments as a")
      .innerJoin("cycles as c", "c.id", "a.cycle_id")
      .select(["a.status", (eb) => eb.fn.countAll<number>().as("n")])
      .where("a.organization_id", "=", orgId)
      .where("c.status", "=", "open")
      .groupBy("a.status")
      .execute();
    const n = (status: string) => rows.find((r) => r.status === status)?.n ?? 0;
    const total = n("draft") + n("submitted") + n("validated");
    expect(total).toBe(result.members);
    const submitted = (n("submitted") + n("validated")) / total;
    expect(submitted).toBeGreaterThan(0.35);
    expect(submitted).toBeLessThan(0.65);
    expect(n("validated")).toBeGreaterThan(0);
    expect(n("draft")).toBeGreaterThan(0);
  });

  it("lead levels come only with validated assessments", async () => {
    const mismatch = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM assessments a
      WHERE a.organization_id = ${orgId}
        AND (a.status = 'validated') <> EXISTS (
          SELECT 1 FROM ratings r WHERE r.cycle_id = a.cycle_id AND r.member_id = a.member_id
            AND r.source = 'lead')`.execute(db);
    expect(mismatch.rows[0]?.n).toBe(0);
    const closed = await db
      .selectFrom("assessments as a")
      .innerJoin("cycles as c", "c.id", "a.cycle_id")
      .select(["a.status", (eb) => eb.fn.countAll<number>().as("n")])
      .where("a.organization_id", "=", orgId)
      .where("c.status", "=", "closed")
      .groupBy("a.status")
      .execute();
    const validated = closed.find((r) => r.status === "validated")?.n ?? 0;
    const submitted = closed.find((r) => r.status === "submitted")?.n ?? 0;
    expect(closed.every((r) => r.status !== "draft")).toBe(true);
    expect(validated).toBeGreaterThan(4 * submitted);
  });

  it("each closed quarter's reports were issued at its close, for the organisation and each team", async () => {
    const reports = await closedReports();
    expect(reports).toHaveLength(12);
    for (const r of reports) {
      expect(r.trigger).toBe("cycle_closed");
      expect(r.generated_at.getTime() - (r.closed_at as Date).getTime()).toBe(60_000);
    }
    for (const team of [null, "Growth", "Payments", "Platform"])
      expect(reports.filter((r) => r.team === team)).toHaveLength(3);
  });
});

describe("the demo's rows", () => {
  it("keep current_levels on the newest rating of each side, with ids in time order", async () => {
    const topics = await topicCount(orgId);
    const perMember = await db
      .selectFrom("current_levels")
      .select(["member_id", (eb) => eb.fn.countAll<number>().as("n")])
      .where("organization_id", "=", orgId)
      .where("self_rating_id", "is not", null)
      .groupBy("member_id")
      .execute();
    expect(perMember.length).toBe(result.members + 2);
    expect(perMember.every((m) => m.n === topics)).toBe(true);
    const stale = await sql<{ n: number }>`
      SELECT count(*)::int AS n
      FROM (SELECT DISTINCT ON (member_id, topic_id, source) member_id, topic_id, source, id, level
            FROM ratings WHERE organization_id = ${orgId}
            ORDER BY member_id, topic_id, source, id DESC) newest
      FULL JOIN (
        SELECT member_id, topic_id, 'self'::rating_source AS source, self_rating_id AS rating_id,
          self_level AS level
        FROM current_levels WHERE organization_id = ${orgId} AND self_rating_id IS NOT NULL
        UNION ALL
        SELECT member_id, topic_id, 'lead', lead_rating_id, lead_level
        FROM current_levels WHERE organization_id = ${orgId} AND lead_rating_id IS NOT NULL) c
        USING (member_id, topic_id, source)
      WHERE c.rating_id IS DISTINCT FROM newest.id OR c.level IS DISTINCT FROM newest.level`.execute(
      db,
    );
    expect(stale.rows[0]?.n).toBe(0);
    const disorder = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM (
        SELECT created_at < lag(created_at) OVER (ORDER BY id) AS back FROM ratings
        WHERE organization_id = ${orgId}) t WHERE back`.execute(db);
    expect(disorder.rows[0]?.n).toBe(0);
    const future = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM ratings WHERE organization_id = ${orgId} AND created_at > now()`.execute(
      db,
    );
    expect(future.rows[0]?.n).toBe(0);
  });

  it("vary: levels across the scale, some N/A, notes, evidence, want-to-learn and can-mentor", async () => {
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

  it("are the same on every run of a day (a seeded PRNG)", () => {
    const cycles = demoCycles(new Date());
    const people = (seed: number) =>
      buildPeople(new Rng(seed), cycles).map((p) => [p.email, p.profile, p.openPlan, p.ability]);
    expect(people(7)).toEqual(people(7));
    expect(people(7)).not.toEqual(people(8));
  });

  it("are written once: a second run changes nothing", async () => {
    const before = await rowCounts(orgId);
    const again = await seedDemo();
    expect(again).toEqual({ ...result, created: false });
    expect(await rowCounts(orgId)).toEqual(before);
  });
});
