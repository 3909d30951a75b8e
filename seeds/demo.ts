// The demo data set (PRODUCT.md, "Operations"): one organisation, three teams of juniors,
// mids and seniors, four quarterly cycles ending with the current quarter, mentorships, and
// each closed quarter's reports as they were issued at its close. The story itself is told
// in seeds/demo-story.ts; this file writes it. Generated from a seeded PRNG and today's date:
// every run on a given day writes the same data, and it never goes stale.
//
// `seedDemo()` is idempotent: once the demo admin belongs to an organisation it only adds
// the closed quarters' reports if any are missing, and writes nothing else. Otherwise
// everything but the reports is written in one transaction.
import { sql, type Insertable, type Kysely } from "kysely";
import { db } from "#db/database";
import type {
  AssessmentStatus,
  AssessmentsTable,
  CheckInsTable,
  Database,
  RatingsTable,
  TargetPriority,
  TopicFlagsTable,
} from "#db/schema";
import { createOrganization } from "~/modules/accounts/organizations.server";
import { hashPassword } from "~/modules/accounts/passwords.server";
import { generateReport } from "~/modules/reports/generate-report.server";
import { analyzeAfterBulkLoad, insertChunked, Rng } from "./bulk";
import { MID_PROFILE } from "./default-framework";
import { writeGrowth } from "./demo-growth";
import {
  addDays,
  buildPeople,
  type Category,
  daysBetween,
  DEMO_LOGINS,
  DEMO_ORGANIZATION_NAME,
  DEMO_PASSWORD,
  DEMO_TIME_ZONE,
  demoCycles,
  disagrees,
  OPEN,
  type Person,
  type Profile,
  ratesTopic,
  selfLevel,
  STRONG_TOPICS,
  type Story,
  TEAMS,
  tellStory,
  type Topic,
  utc,
  validatorOf,
} from "./demo-story";

export { DEMO_LOGINS, DEMO_ORGANIZATION_NAME, DEMO_PASSWORD, DEMO_TIME_ZONE, demoCycles };

export const JUNIOR_PROFILE = "Junior (0–2 yrs)";

export interface SeedDemoResult {
  organizationId: string;
  created: boolean;
  members: number;
  ratings: number;
}

type Trx = Kysely<Database>;
// Rows carry backdated timestamps so the history reads like real quarters.
type RatingRow = Omit<Insertable<RatingsTable>, "created_at"> & { created_at: Date };
type AssessmentRow = Omit<Insertable<AssessmentsTable>, "created_at" | "updated_at"> & {
  created_at: Date;
  updated_at: Date;
};
type FlagRow = Omit<Insertable<TopicFlagsTable>, "updated_at"> & { updated_at: Date };
type CheckInRow = Omit<Insertable<CheckInsTable>, "created_at"> & { created_at: Date };

function plusMinutes(at: Date, minutes: number) {
  return new Date(at.getTime() + minutes * 60_000);
}

/** A working-hours moment `days` after `date`. */
function workTime(rng: Rng, date: string, days: number) {
  return utc(addDays(date, days), rng.int(8, 16), rng.int(0, 59));
}

function earliest(a: Date, b: Date) {
  return a.getTime() <= b.getTime() ? a : b;
}

// ------------------------------------------------------------------ the framework

/**
 * The demo's organisation hires juniors too: a Junior profile beside the default Mid and
 * Senior ones, a level below Mid on each topic (at least Aware), with Mid's priorities.
 * Added before any cycle uses the framework version, so no new version is needed.
 */
async function addJuniorProfile(trx: Trx, organizationId: string) {
  const framework = await trx
    .selectFrom("organizations as o")
    .innerJoin("frameworks as f", "f.id", "o.default_framework_id")
    .select(["f.id", "f.current_version_id"])
    .where("o.id", "=", organizationId)
    .executeTakeFirstOrThrow();
  const mid = await trx
    .selectFrom("target_profiles")
    .select("id")
    .where("framework_id", "=", framework.id)
    .where("name", "=", MID_PROFILE)
    .executeTakeFirstOrThrow();
  // Listed first, as the most junior.
  await trx
    .updateTable("target_profiles")
    .set((eb) => ({ position: eb("position", "+", 1) }))
    .where("framework_id", "=", framework.id)
    .execute();
  const junior = await trx
    .insertInto("target_profiles")
    .values({
      organization_id: organizationId,
      framework_id: framework.id,
      name: JUNIOR_PROFILE,
      position: 0,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const midTargets = await trx
    .selectFrom("topic_targets")
    .select(["topic_id", "target_level", "priority"])
    .where("framework_version_id", "=", framework.current_version_id as string)
    .where("target_profile_id", "=", mid.id)
    .execute();
  await insertChunked(
    trx,
    "topic_targets",
    midTargets.map((t) => ({
      organization_id: organizationId,
      framework_version_id: framework.current_version_id,
      target_profile_id: junior.id,
      topic_id: t.topic_id,
      target_level: Math.max(1, t.target_level - 1),
      priority: t.priority,
    })),
  );
}

/**
 * The organisation's default framework as generators need it: topics in form order with
 * each profile's target and priority, categories, and the profiles' ids (null for a
 * profile the framework lacks: only the demo adds a Junior one).
 */
export async function loadFramework(trx: Trx, organizationId: string) {
  const framework = await trx
    .selectFrom("organizations as o")
    .innerJoin("frameworks as f", "f.id", "o.default_framework_id")
    .select(["f.id as frameworkId", "f.current_version_id as versionId"])
    .where("o.id", "=", organizationId)
    .executeTakeFirstOrThrow();
  const versionId = framework.versionId;
  if (!versionId) throw new Error("The demo organisation's framework has no current version");
  const rows = await trx
    .selectFrom("topic_revisions as tr")
    .innerJoin("category_revisions as cr", (join) =>
      join
        .onRef("cr.category_id", "=", "tr.category_id")
        .onRef("cr.framework_version_id", "=", "tr.framework_version_id"),
    )
    .select(["tr.topic_id", "tr.name", "tr.category_id", "cr.name as category_name", "cr.kind"])
    .where("tr.framework_version_id", "=", versionId)
    .where("tr.organization_id", "=", organizationId)
    .where("tr.retired", "=", false)
    .orderBy("cr.position")
    .orderBy("tr.position")
    .execute();
  const profiles = await trx
    .selectFrom("target_profiles")
    .select(["id", "name"])
    .where("organization_id", "=", organizationId)
    .where("framework_id", "=", framework.frameworkId)
    .orderBy("position")
    .execute();
  const profileIds: Record<Profile, string | null> = {
    senior: profiles.find((p) => /senior/i.test(p.name))?.id ?? null,
    mid: profiles.find((p) => /mid/i.test(p.name))?.id ?? null,
    junior: profiles.find((p) => /junior/i.test(p.name))?.id ?? null,
  };
  const targets = await trx
    .selectFrom("topic_targets")
    .select(["target_profile_id", "topic_id", "target_level", "priority"])
    .where("framework_version_id", "=", versionId)
    .where("organization_id", "=", organizationId)
    .execute();
  const targetOf = new Map(targets.map((t) => [`${t.target_profile_id}:${t.topic_id}`, t]));
  const of = (profile: Profile, topicId: string) => {
    const id = profileIds[profile] ?? profileIds.mid;
    return id ? targetOf.get(`${id}:${topicId}`) : undefined;
  };

  const categories: Category[] = [];
  const topics: Topic[] = rows.map((row, index) => {
    let category = categories.find((c) => c.id === row.category_id);
    if (!category) {
      category = { id: row.category_id, name: row.category_name, topics: [] };
      categories.push(category);
    }
    category.topics.push(index);
    const level = (p: Profile, fallback: number) => of(p, row.topic_id)?.target_level ?? fallback;
    const priority = (p: Profile): TargetPriority =>
      of(p, row.topic_id)?.priority ?? "good_to_have";
    return {
      index,
      id: row.topic_id,
      name: row.name,
      categoryId: row.category_id,
      categoryName: row.category_name,
      roleExpectation: row.kind === "role_expectations",
      target: { senior: level("senior", 3), mid: level("mid", 2), junior: level("junior", 1) },
      priority: { senior: priority("senior"), mid: priority("mid"), junior: priority("junior") },
      ease: STRONG_TOPICS.some((re) => re.test(row.name)) ? 0.5 : 0,
    };
  });
  if (!topics.length) throw new Error("The demo organisation's framework has no topics");
  return { versionId, topics, categories, profileIds };
}

// ------------------------------------------------------------------ notes

const REPOS = [
  "payments-api",
  "ledger",
  "platform-infra",
  "web-app",
  "growth-experiments",
  "api-gateway",
  "notifications",
];
const SELF_NOTES = [
  "Used this heavily in the checkout rewrite.",
  "Led the migration on our team this quarter.",
  "Comfortable day to day, less so when things go wrong in production.",
  "Rusty: haven't touched it since last year.",
  "Wrote the internal guide on this.",
  "Only used it with guidance so far.",
  "Gave a lunch-and-learn on this.",
  "Picked this up during the on-call rotation.",
];
const LEAD_NOTES = [
  "Agree. Saw this first-hand in the incident review.",
  "Solid: the design doc showed it.",
  "Seen good progress here since last quarter.",
];
const DISAGREE_NOTES = [
  "I'd put this lower for now: still needs guidance in reviews. Let's talk it through in our 1:1.",
  "I think you're underselling this: you led it in the last incident. Let's discuss.",
  "Let's calibrate this one together; my view differs quite a bit.",
];
const CHECK_IN_NOTES = [
  "Walked through the basics together and picked a real ticket to practise on.",
  "Reviewed a PR together and talked through the trade-offs.",
  "Paired for an hour on the incident follow-up. Good progress.",
  "Went over the reading list; next step is trying it on a side task.",
  "Short sync: busy sprint, moved the deep-dive to next time.",
  "Ran a mock design review. Much more confident explaining the choices now.",
  "Looked at how the ledger service does it and sketched an improvement.",
  "Debugged a flaky test together; a good excuse to dig into the internals.",
];

function evidence(rng: Rng) {
  const count = rng.chance(0.25) ? 2 : 1;
  return Array.from(
    { length: count },
    () => `https://github.com/acme/${rng.pick(REPOS)}/pull/${rng.int(120, 4800)}`,
  );
}

// ------------------------------------------------------------------ the seed

async function findDemo(executor: Trx) {
  const row = await executor
    .selectFrom("users as u")
    .innerJoin("memberships as m", "m.user_id", "u.id")
    .select("m.organization_id")
    .where((eb) => eb(eb.fn("lower", ["u.email"]), "=", DEMO_LOGINS[0].email))
    .where("m.role", "=", "admin")
    .orderBy("m.created_at")
    .executeTakeFirst();
  if (!row) return null;
  return {
    organizationId: row.organization_id,
    ...(await countDemo(executor, row.organization_id)),
  };
}

async function countDemo(executor: Trx, organizationId: string) {
  const [members, ratings] = await Promise.all([
    executor
      .selectFrom("memberships")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("organization_id", "=", organizationId)
      .where("active", "=", true)
      .executeTakeFirstOrThrow(),
    executor
      .selectFrom("ratings")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("organization_id", "=", organizationId)
      .executeTakeFirstOrThrow(),
  ]);
  return { members: members.n, ratings: ratings.n };
}

/**
 * Each closed quarter's reports (the organisation's and each team's), as the worker issues
 * them when a cycle closes, dated a minute after the close. Those present are kept.
 */
async function issueClosedReports(organizationId: string) {
  const { rows } = await sql<{ cycle_id: string; team_id: string | null; closed_at: Date }>`
    SELECT c.id AS cycle_id, s.team_id, c.closed_at
    FROM cycles c
    CROSS JOIN LATERAL (
      SELECT NULL::uuid AS team_id
      UNION ALL SELECT t.id FROM teams t WHERE t.organization_id = c.organization_id
    ) s
    WHERE c.organization_id = ${organizationId} AND c.status = 'closed'
      AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.cycle_id = c.id
        AND r.trigger = 'cycle_closed' AND r.team_id IS NOT DISTINCT FROM s.team_id)
    ORDER BY c.starts_on, s.team_id NULLS FIRST`.execute(db);
  for (const due of rows) {
    try {
      await generateReport({
        organizationId,
        cycleId: due.cycle_id,
        teamId: due.team_id,
        generatedByUserId: null,
        trigger: "cycle_closed",
        generatedAt: new Date(due.closed_at.getTime() + 60_000),
      });
    } catch (error) {
      // The worker made it first (the unique index per cycle and scope said so).
      if ((error as { code?: string }).code !== "23505") throw error;
    }
  }
}

/** Creates the demo organisation unless it exists. Same data on every run of a day. */
export async function seedDemo(now = new Date()): Promise<SeedDemoResult> {
  const existing = await findDemo(db);
  if (existing) {
    await issueClosedReports(existing.organizationId);
    return { ...existing, created: false };
  }
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const result = await db.transaction().execute(async (trx) => {
    // Two processes starting at once: the second waits, then finds the first one's work.
    await sql`SELECT pg_advisory_xact_lock(hashtext('gapmap:seed-demo'))`.execute(trx);
    const raced = await findDemo(trx);
    if (raced) return { ...raced, created: false };
    const organizationId = await writeDemo(trx, passwordHash, now);
    return { organizationId, created: true, ...(await countDemo(trx, organizationId)) };
  });
  if (result.created) await analyzeAfterBulkLoad(db);
  await issueClosedReports(result.organizationId);
  return result;
}

async function writeDemo(trx: Trx, passwordHash: string, now: Date): Promise<string> {
  const rng = new Rng(20261125);
  const today = now.toISOString().slice(0, 10);
  const cycles = demoCycles(now);
  const people = buildPeople(rng, cycles);
  const admin = people[0] as Person;
  const userIds: string[] = [];
  const memberIds: string[] = [];

  // ---- users (an account left behind by an earlier, deleted demo organisation is reused)
  const existingUsers = await trx
    .selectFrom("users")
    .select(["id", "email"])
    .where((eb) =>
      eb(
        eb.fn("lower", ["email"]),
        "in",
        people.map((p) => p.email),
      ),
    )
    .execute();
  const userByEmail = new Map(existingUsers.map((u) => [u.email.toLowerCase(), u.id]));
  const newUsers = people.filter((p) => !userByEmail.has(p.email));
  if (newUsers.length) {
    const inserted = await trx
      .insertInto("users")
      .values(
        newUsers.map((p) => ({
          email: p.email,
          display_name: p.displayName,
          password_hash: passwordHash,
          created_at: p.joinedAt,
        })),
      )
      .returning(["id", "email"])
      .execute();
    for (const u of inserted) userByEmail.set(u.email, u.id);
  }
  for (const p of people) userIds[p.index] = userByEmail.get(p.email) as string;
  const userOf = (p: Person) => userIds[p.index] as string;
  const memberOf = (p: Person) => memberIds[p.index] as string;

  // ---- the organisation, with the default framework (plus a Junior profile) and Alex as admin
  const org = await createOrganization(trx, {
    name: DEMO_ORGANIZATION_NAME,
    userId: userOf(admin),
    timeZone: DEMO_TIME_ZONE,
  });
  const organizationId = org.organizationId;
  memberIds[admin.index] = org.membershipId;
  const founded = utc(addDays(cycles[0]!.starts, -240), 9);
  for (const table of ["organizations", "frameworks", "framework_versions"] as const)
    await trx
      .updateTable(table)
      .set({ created_at: founded })
      .where(table === "organizations" ? "id" : "organization_id", "=", organizationId)
      .execute();
  await addJuniorProfile(trx, organizationId);
  const { versionId, topics, categories, profileIds } = await loadFramework(trx, organizationId);

  await trx
    .updateTable("memberships")
    .set({ title: admin.title, target_profile_id: profileIds.senior, created_at: admin.joinedAt })
    .where("id", "=", org.membershipId)
    .execute();
  const others = people.slice(1);
  const memberships = await trx
    .insertInto("memberships")
    .values(
      others.map((p) => ({
        organization_id: organizationId,
        user_id: userOf(p),
        role: p.role,
        title: p.title,
        target_profile_id: profileIds[p.profile],
        active: p.deactivatedOn === null,
        deactivated_at: p.deactivatedOn ? utc(p.deactivatedOn, 17) : null,
        created_at: p.joinedAt,
      })),
    )
    .returning(["id", "user_id"])
    .execute();
  const memberByUser = new Map(memberships.map((m) => [m.user_id, m.id]));
  for (const p of others) memberIds[p.index] = memberByUser.get(userOf(p)) as string;

  // ---- teams
  const teams = await trx
    .insertInto("teams")
    .values(TEAMS.map((name) => ({ organization_id: organizationId, name, created_at: founded })))
    .returning(["id", "name"])
    .execute();
  const teamId = new Map(teams.map((t) => [t.name, t.id]));
  await trx
    .insertInto("team_members")
    .values(
      people
        .filter((p) => p.team)
        .map((p) => ({
          organization_id: organizationId,
          team_id: teamId.get(p.team as string) as string,
          membership_id: memberOf(p),
          is_lead: p.isLead,
          created_at: p.joinedAt,
        })),
    )
    .execute();

  // ---- cycles, all pinned to the framework's current version
  const cycleRows = await trx
    .insertInto("cycles")
    .values(
      cycles.map((c) => ({
        organization_id: organizationId,
        framework_version_id: versionId,
        name: c.name,
        status: c.status,
        starts_on: c.starts,
        due_on: c.due,
        ends_on: c.ends,
        opened_at: utc(c.starts, 8),
        closed_at: c.closedAt,
        created_at: utc(addDays(c.starts, -14), 10),
      })),
    )
    .returning(["id", "name"])
    .execute();
  const cycleIds = cycles.map((c) => cycleRows.find((row) => row.name === c.name)?.id as string);

  // ---- the story: levels, self-rating habits, mentorships
  const story = tellStory(rng, people, topics, categories, cycles, today);
  const truthAt = (p: Person, t: Topic, c: number) => story.truth[p.index]![t.index]![c] ?? null;

  // ---- ratings and assessments
  const ratings: RatingRow[] = [];
  const assessments: AssessmentRow[] = [];
  // Nothing is dated after an hour ago; the open cycle's work spreads over the days so far.
  const latest = plusMinutes(now, -60);
  const openDays = Math.max(0, daysBetween(cycles[OPEN]!.starts, today) - 1);
  for (let c = 0; c < cycles.length; c++) {
    const cycle = cycles[c]!;
    const cycleId = cycleIds[c] as string;
    const closed = cycle.status === "closed";
    const cycleEnd = closed ? utc(cycle.ends, 16) : latest;
    for (const person of people) {
      if (c > person.lastCycle) continue;
      const rated = topics.filter((t) => ratesTopic(story, person, c, t, categories));
      const opened = utc(cycle.starts, 8);
      if (!closed && !rated.length) {
        // Opening a cycle starts a draft for every active member, even one not begun yet.
        assessments.push({
          organization_id: organizationId,
          cycle_id: cycleId,
          member_id: memberOf(person),
          status: "draft",
          revision: 0,
          created_at: opened,
          updated_at: opened,
        });
        continue;
      }
      const startDay = closed
        ? rng.int(0, 17)
        : Math.min(openDays, person.openPlan === "validated" ? rng.int(0, 20) : rng.int(2, 40));
      const start = earliest(workTime(rng, cycle.starts, startDay), plusMinutes(latest, -600));
      let at = start;
      for (const topic of rated) {
        const level = selfLevel(story, person, topic, c);
        at = plusMinutes(at, rng.float() * 1.5 + 0.25);
        ratings.push({
          organization_id: organizationId,
          cycle_id: cycleId,
          member_id: memberOf(person),
          topic_id: topic.id,
          source: "self",
          level,
          note:
            level === null
              ? rng.chance(0.3)
                ? "Not part of my work."
                : null
              : rng.chance(0.035)
                ? rng.pick(SELF_NOTES)
                : null,
          evidence_urls: level !== null && level >= 2 && rng.chance(0.03) ? evidence(rng) : [],
          rated_by_user_id: userOf(person),
          created_at: at,
        });
      }
      const lastSelf = at;
      const categoriesDone = new Set(rated.map((t) => t.categoryId)).size;

      let status: AssessmentStatus = "draft";
      let submittedAt: Date | null = null;
      let validatedAt: Date | null = null;
      const validator = validatorOf(person, people);
      const submits = closed || person.openPlan === "validated" || person.openPlan === "submitted";
      if (submits) {
        status = "submitted";
        submittedAt = plusMinutes(lastSelf, rng.int(2, 30));
        // Closed quarters were validated, but now and then a lead never got to someone
        // whose self-ratings needed no correcting anyway.
        const validates =
          validator &&
          (closed ? person.selfBias !== 0 || rng.chance(0.93) : person.openPlan === "validated");
        if (validator && validates) {
          let leadAt = earliest(
            workTime(rng, submittedAt.toISOString().slice(0, 10), rng.int(1, 8)),
            plusMinutes(cycleEnd, -300),
          );
          if (leadAt.getTime() <= submittedAt.getTime()) leadAt = plusMinutes(submittedAt, 20);
          for (const topic of rated) {
            const level = truthAt(person, topic, c);
            leadAt = plusMinutes(leadAt, rng.float() * 0.8 + 0.2);
            const disagree = !closed && disagrees(story, person, topic);
            ratings.push({
              organization_id: organizationId,
              cycle_id: cycleId,
              member_id: memberOf(person),
              topic_id: topic.id,
              source: "lead",
              level,
              note: disagree
                ? rng.pick(DISAGREE_NOTES)
                : rng.chance(0.02)
                  ? rng.pick(LEAD_NOTES)
                  : null,
              evidence_urls: [],
              rated_by_user_id: userOf(validator),
              created_at: leadAt,
            });
          }
          status = "validated";
          validatedAt = plusMinutes(leadAt, rng.int(1, 10));
        }
      }
      assessments.push({
        organization_id: organizationId,
        cycle_id: cycleId,
        member_id: memberOf(person),
        status,
        revision: categoriesDone + (submits ? 1 : 0) + (validatedAt ? 1 : 0),
        submitted_at: submittedAt,
        validated_at: validatedAt,
        validated_by_user_id: validatedAt && validator ? userOf(validator) : null,
        created_at: plusMinutes(start, -1),
        updated_at: validatedAt ?? submittedAt ?? lastSelf,
      });
    }
  }
  // Chronological insert: rating ids follow time, so current_levels ends on the newest.
  ratings.sort((a, b) => a.created_at.getTime() - b.created_at.getTime());
  await insertChunked(trx, "ratings", ratings);
  await insertChunked(trx, "assessments", assessments);
  // What each closed quarter looked like when it closed, as closing it would have recorded.
  for (const [c, cycle] of cycles.entries())
    if (cycle.status === "closed")
      await sql`SELECT record_cycle_progress(${cycleIds[c]})`.execute(trx);

  await writeFlags(
    trx,
    rng,
    organizationId,
    story,
    topics,
    categories,
    cycles[1]!.starts,
    memberOf,
  );
  const mentorshipIds = await writeMentorships(
    trx,
    rng,
    organizationId,
    story,
    today,
    userOf,
    memberOf,
  );
  await writeGrowth(
    trx,
    organizationId,
    story,
    topics,
    cycles,
    cycleIds,
    mentorshipIds,
    userOf,
    memberOf,
  );

  // ---- team capability targets: "at least 2 people Proficient+" on the risky topics
  const capability = TEAMS.flatMap((team) =>
    [...story.risky.keys()].map((t) => ({
      organization_id: organizationId,
      team_id: teamId.get(team) as string,
      topic_id: (topics[t] as Topic).id,
      min_people: 2,
      min_level: 3,
      created_at: founded,
    })),
  );
  if (capability.length) await insertChunked(trx, "capability_targets", capability);
  return organizationId;
}

/** Want to learn (on gaps) and can mentor (experts, mentors). */
async function writeFlags(
  trx: Trx,
  rng: Rng,
  organizationId: string,
  story: Story,
  topics: Topic[],
  categories: Category[],
  since: string,
  memberOf: (p: Person) => string,
) {
  const flags = new Map<string, FlagRow>();
  const flag = (person: Person, topic: Topic, kind: "want_to_learn" | "can_mentor", on: Date) => {
    const key = `${person.index}:${topic.index}`;
    const row: FlagRow = flags.get(key) ?? {
      organization_id: organizationId,
      member_id: memberOf(person),
      topic_id: topic.id,
      updated_at: on,
    };
    row[kind] = true;
    flags.set(key, row);
  };
  for (const person of story.people) {
    if (person.lastCycle !== OPEN) continue;
    const latest = (t: Topic) => {
      const c = ratesTopic(story, person, OPEN, t, categories) ? OPEN : OPEN - 1;
      return story.truth[person.index]![t.index]![c] ?? null;
    };
    const gaps = topics.filter(
      (t) => !t.roleExpectation && (latest(t) ?? 99) < t.target[person.profile],
    );
    if (gaps.length && rng.chance(0.65)) {
      for (const topic of rng.shuffle(gaps).slice(0, rng.int(1, 3)))
        flag(person, topic, "want_to_learn", workTime(rng, since, rng.int(0, 120)));
    }
    for (const topic of topics) {
      const level = latest(topic);
      if (topic.roleExpectation || level === null) continue;
      if (
        (level === 4 && rng.chance(0.2)) ||
        (level === 3 && person.profile === "senior" && rng.chance(0.02))
      )
        flag(person, topic, "can_mentor", workTime(rng, since, rng.int(0, 150)));
    }
  }
  for (const [topicIndex, experts] of story.risky)
    for (const expert of experts)
      flag(
        story.people[expert] as Person,
        topics[topicIndex] as Topic,
        "can_mentor",
        workTime(rng, since, 10),
      );
  for (const m of story.mentorships) {
    flag(m.mentee, m.topic, "want_to_learn", utc(addDays(m.plan.startsOn, -10), 10));
    flag(m.mentor, m.topic, "can_mentor", utc(addDays(m.plan.startsOn, -17), 10));
  }
  await insertChunked(trx, "topic_flags", [...flags.values()]);
}

/**
 * Mentorships with a check-in every two weeks (the overdue one stopped a month ago); their
 * ids, in the story's order.
 */
async function writeMentorships(
  trx: Trx,
  rng: Rng,
  organizationId: string,
  story: Story,
  today: string,
  userOf: (p: Person) => string,
  memberOf: (p: Person) => string,
) {
  if (!story.mentorships.length) return [];
  const admin = story.people[0] as Person;
  const inserted = await trx
    .insertInto("mentorships")
    .values(
      story.mentorships.map((m) => ({
        organization_id: organizationId,
        mentor_id: memberOf(m.mentor),
        mentee_id: memberOf(m.mentee),
        topic_id: m.topic.id,
        goal_level: m.goal,
        baseline_level: m.baseline,
        cadence_days: 14,
        status: m.plan.status,
        starts_on: m.plan.startsOn,
        due_on: m.plan.dueOn,
        proposed_by_user_id: userOf(validatorOf(m.mentee, story.people) ?? admin),
        accepted_at: m.plan.status === "proposed" ? null : utc(addDays(m.plan.startsOn, -3), 11),
        ended_at: m.plan.endedOn ? utc(m.plan.endedOn, 15) : null,
        created_at: utc(addDays(m.plan.startsOn, m.plan.status === "proposed" ? -12 : -6), 10),
      })),
    )
    .returning("id")
    .execute();
  const checkIns: CheckInRow[] = [];
  story.mentorships.forEach((m, i) => {
    if (m.plan.status === "proposed") return;
    const until = m.plan.endedOn ?? (m.plan.lapsed ? addDays(today, -30) : addDays(today, -1));
    const dates: string[] = [];
    for (let day = addDays(m.plan.startsOn, 14); day <= until; day = addDays(day, 14))
      dates.push(day);
    if (m.plan.status === "cancelled") dates.splice(1);
    dates.forEach((occurredOn, k) => {
      const last = k === dates.length - 1;
      const wrapUp = m.plan.status === "completed" && last;
      const progress = k / Math.max(1, dates.length - 1);
      checkIns.push({
        organization_id: organizationId,
        mentorship_id: inserted[i]?.id as string,
        occurred_on: occurredOn,
        notes: wrapUp
          ? "Wrapped up: goal reached, next steps agreed."
          : m.plan.status === "cancelled"
            ? "Agreed to pause: the team's priorities changed this quarter."
            : rng.pick(CHECK_IN_NOTES),
        level_estimate: wrapUp
          ? m.goal
          : k >= 1 && rng.chance(0.5)
            ? progress > 0.6 && m.plan.improvesIn !== null
              ? m.goal
              : m.baseline
            : null,
        logged_by_user_id: rng.chance(0.7) ? userOf(m.mentee) : userOf(m.mentor),
        created_at: utc(occurredOn, 16, rng.int(0, 59)),
      });
    });
  });
  if (checkIns.length) await insertChunked(trx, "check_ins", checkIns);
  return inserted.map((row) => row.id);
}
