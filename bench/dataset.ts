// The benchmark's large data set: one organisation of `members` people in `teams` teams
// (each with two leads), the default framework, `cycles` quarterly cycles of self and lead
// ratings (the newest one open, the others closed with their progress recorded),
// `mentorships` mentorships with check-ins, and a few capability targets per team. Loaded
// with multi-row inserts through the same helpers as the demo seed (seeds/bulk.ts), one
// transaction per cycle, then VACUUM ANALYZE. Deterministic: the same size gives the same
// rows.
import { sql, type Insertable, type Kysely } from "kysely";
import type { Database, MentorshipStatus, RatingsTable } from "#db/schema";
import { analyzeAfterBulkLoad, insertChunked, Rng } from "#seeds/bulk";
import { loadFramework } from "#seeds/demo";
import { createOrganization } from "~/modules/accounts/organizations.server";
import { hashPassword } from "~/modules/accounts/passwords.server";

export interface DatasetSize {
  members: number;
  teams: number;
  cycles: number;
  mentorships: number;
}

const BENCH_PASSWORD = "bench-password-2026";
const EMAIL_DOMAIN = "bench.gapmap.test";
const DAY_MS = 86_400_000;
const LEADS_PER_TEAM = 2;
/** The first engineer of the first team: keeps a draft open in the current cycle. */
const ENGINEER_INDEX = 1 + LEADS_PER_TEAM;

type Profile = "senior" | "mid";
type RatingRow = Omit<Insertable<RatingsTable>, "created_at"> & { created_at: Date };
/** What a member did in a cycle. */
type Plan = "validated" | "submitted" | "partial" | "none";

export interface Dataset {
  organizationId: string;
  admin: { email: string; memberId: string };
  /** A lead of the first team, whose team view is measured. */
  lead: { email: string; memberId: string; teamId: string };
  /** An engineer with a draft in the open cycle, whose saves are measured. */
  engineer: { email: string; memberId: string };
  password: string;
  teams: { id: string; name: string; members: number }[];
  openCycleId: string;
  /** The newest closed cycle: the one whose organisation report is generated. */
  reportCycleId: string;
  topics: number;
  skillTopicIds: string[];
  counts: Record<string, number>;
  /** Seconds per phase of the load, and in all. */
  phases: Record<string, number>;
  seconds: number;
}

interface Member {
  index: number;
  email: string;
  userId: string;
  memberId: string;
  team: number | null;
  isLead: boolean;
  profile: Profile;
  ability: number;
}

function isoDate(d: Date) {
  return d.toISOString().slice(0, 10);
}

/** The quarters of the data set, oldest first, the last one being the current quarter. */
function quarters(count: number, now: Date) {
  const year = now.getUTCFullYear();
  const q = Math.floor(now.getUTCMonth() / 3);
  return Array.from({ length: count }, (_, i) => {
    const back = count - 1 - i;
    const index = year * 4 + q - back;
    const y = Math.floor(index / 4);
    const quarter = index % 4;
    const starts = new Date(Date.UTC(y, quarter * 3, 1));
    const ends = new Date(Date.UTC(y, quarter * 3 + 3, 0));
    // The open quarter's due date lies ahead, so the data set reads like a live cycle.
    const due =
      back === 0
        ? new Date(Math.max(now.getTime() + 14 * DAY_MS, starts.getTime()))
        : new Date(starts.getTime() + 21 * DAY_MS);
    return {
      name: `${y}-Q${quarter + 1}`,
      starts,
      due: new Date(Math.min(due.getTime(), ends.getTime())),
      ends,
      open: back === 0,
    };
  });
}

async function timed<T>(phases: Record<string, number>, name: string, work: () => Promise<T>) {
  const started = performance.now();
  const result = await work();
  phases[name] = Math.round(performance.now() - started) / 1000;
  return result;
}

/** The bench's password, hashed once for every organisation a run loads. */
export const hashBenchPassword = () => hashPassword(BENCH_PASSWORD);

/**
 * Generates and loads one organisation's data set into the migrated database behind `db`
 * (beside any organisations already there: its people's addresses are at `emailDomain`).
 */
export async function generateDataset(
  db: Kysely<Database>,
  size: DatasetSize,
  {
    now = new Date(),
    seed = 20261209,
    name = "Bench Large Org",
    emailDomain = EMAIL_DOMAIN,
    passwordHash: givenHash = undefined as string | undefined,
    /** VACUUM ANALYZE when loaded (a caller loading many organisations does it once, after). */
    analyze = true,
  } = {},
): Promise<Dataset> {
  const started = performance.now();
  const phases: Record<string, number> = {};
  const rng = new Rng(seed);
  const perTeam = Math.max(LEADS_PER_TEAM + 1, Math.floor(size.members / size.teams));
  const passwordHash = givenHash ?? (await hashBenchPassword());

  // ---- people: the admin (no team) and `members` people, `perTeam` to a team
  const people: Member[] = Array.from({ length: size.members + 1 }, (_, index) => {
    const team = index === 0 ? null : Math.min(size.teams - 1, Math.floor((index - 1) / perTeam));
    const inTeam = index === 0 ? -1 : (index - 1) % perTeam;
    const isLead = team !== null && inTeam < LEADS_PER_TEAM;
    return {
      index,
      email: index === 0 ? `admin@${emailDomain}` : `member-${index}@${emailDomain}`,
      userId: "",
      memberId: "",
      team,
      isLead,
      profile: isLead || index === 0 || rng.chance(0.55) ? "senior" : "mid",
      ability: rng.normal(0.5),
    };
  });
  const admin = people[0] as Member;

  const { organizationId, framework, teamIds, cycles } = await timed(phases, "people", () =>
    db.transaction().execute(async (trx) => {
      const users = await trx
        .insertInto("users")
        .values({ email: admin.email, display_name: "Bench Admin", password_hash: passwordHash })
        .returning("id")
        .executeTakeFirstOrThrow();
      admin.userId = users.id;
      const org = await createOrganization(trx, {
        name,
        userId: admin.userId,
        timeZone: "UTC",
      });
      admin.memberId = org.membershipId;
      const framework = await loadFramework(trx, org.organizationId);
      const others = people.slice(1);
      for (let i = 0; i < others.length; i += 1000) {
        const chunk = others.slice(i, i + 1000);
        const inserted = await trx
          .insertInto("users")
          .values(
            chunk.map((p) => ({
              email: p.email,
              display_name: `Member ${String(p.index).padStart(5, "0")}`,
              password_hash: passwordHash,
            })),
          )
          .returning(["id", "email"])
          .execute();
        const byEmail = new Map(inserted.map((u) => [u.email, u.id]));
        for (const p of chunk) p.userId = byEmail.get(p.email) as string;
        const memberships = await trx
          .insertInto("memberships")
          .values(
            chunk.map((p) => ({
              organization_id: org.organizationId,
              user_id: p.userId,
              role: p.isLead ? ("lead" as const) : ("engineer" as const),
              title: p.isLead
                ? "Engineering Lead"
                : p.profile === "senior"
                  ? "Senior Engineer"
                  : "Engineer",
              target_profile_id: framework.profileIds[p.profile],
            })),
          )
          .returning(["id", "user_id"])
          .execute();
        const byUser = new Map(memberships.map((m) => [m.user_id, m.id]));
        for (const p of chunk) p.memberId = byUser.get(p.userId) as string;
      }
      const teams = await trx
        .insertInto("teams")
        .values(
          Array.from({ length: size.teams }, (_, t) => ({
            organization_id: org.organizationId,
            name: `Team ${String(t + 1).padStart(2, "0")}`,
          })),
        )
        .returning(["id", "name"])
        .execute();
      const teamIds = teams.toSorted((a, b) => a.name.localeCompare(b.name)).map((t) => t.id);
      await insertChunked(
        trx,
        "team_members",
        others.map((p) => ({
          organization_id: org.organizationId,
          team_id: teamIds[p.team as number] as string,
          membership_id: p.memberId,
          is_lead: p.isLead,
        })),
      );
      const plan = quarters(size.cycles, now);
      const cycles = await trx
        .insertInto("cycles")
        .values(
          plan.map((c) => ({
            organization_id: org.organizationId,
            framework_version_id: framework.versionId,
            name: c.name,
            status: c.open ? ("open" as const) : ("closed" as const),
            starts_on: isoDate(c.starts),
            due_on: isoDate(c.due),
            ends_on: isoDate(c.ends),
            opened_at: c.starts,
            closed_at: c.open ? null : new Date(c.ends.getTime() + 17 * 3_600_000),
          })),
        )
        .returning(["id", "name"])
        .execute();
      const cycleIds = plan.map((c) => ({
        ...c,
        id: cycles.find((row) => row.name === c.name)?.id as string,
      }));
      return { organizationId: org.organizationId, framework, teamIds, cycles: cycleIds };
    }),
  );
  const { topics } = framework;

  // ---- levels: [person][topic] at the first cycle, drifting upwards; ~3% not applicable
  const levels: (number | null)[][] = people.map((p) =>
    topics.map((topic) => {
      if (rng.chance(0.03)) return null;
      const latent = topic.target[p.profile] - 0.8 + p.ability + topic.ease + rng.normal(0.6);
      return Math.max(0, Math.min(4, Math.round(latent)));
    }),
  );
  const leadOf = (p: Member) => {
    if (p.team === null || p.isLead) return admin;
    const first = 1 + p.team * perTeam;
    return people[first + (p.index % LEADS_PER_TEAM)] ?? admin;
  };

  // ---- ratings and assessments, cycle by cycle (ids follow time, as in real use)
  const memberIndex = new Map(people.map((p) => [p.memberId, p.index]));
  let ratingCount = 0;
  let assessmentCount = 0;
  await timed(phases, "ratings", async () => {
    for (const cycle of cycles) {
      const rows: RatingRow[] = [];
      const assessments: Insertable<Database["assessments"]>[] = [];
      const dayOf = (days: number) => new Date(cycle.starts.getTime() + days * DAY_MS);
      const cap = cycle.open
        ? Math.max(1, Math.floor((now.getTime() - cycle.starts.getTime()) / DAY_MS))
        : 60;
      for (const p of people) {
        // Everyone's level moves a little between quarters.
        const row = levels[p.index] as (number | null)[];
        for (let t = 0; t < row.length; t++) {
          const level = row[t];
          if (level === null || level === undefined) continue;
          const roll = rng.float();
          if (roll < 0.12 && level < 4) row[t] = level + 1;
          else if (roll < 0.14 && level > 0) row[t] = level - 1;
        }
        const roll = rng.float();
        const plan: Plan = cycle.open
          ? p.index === ENGINEER_INDEX
            ? "partial"
            : roll < 0.4
              ? "validated"
              : roll < 0.6
                ? "submitted"
                : roll < 0.8
                  ? "partial"
                  : "none"
          : roll < 0.86
            ? "validated"
            : roll < 0.95
              ? "submitted"
              : "none";
        if (plan === "none") {
          if (cycle.open)
            assessments.push({
              organization_id: organizationId,
              cycle_id: cycle.id,
              member_id: p.memberId,
            });
          continue;
        }
        let at = dayOf(Math.min(cap - 1, rng.int(0, 20))).getTime() + rng.int(8, 16) * 3_600_000;
        const rated = plan === "partial" ? Math.floor(topics.length / 2) : topics.length;
        for (let t = 0; t < rated; t++) {
          at += rng.int(15, 90) * 1000;
          rows.push({
            organization_id: organizationId,
            cycle_id: cycle.id,
            member_id: p.memberId,
            topic_id: (topics[t] as (typeof topics)[number]).id,
            source: "self",
            level: row[t] ?? null,
            rated_by_user_id: p.userId,
            created_at: new Date(at),
          });
        }
        const submittedAt = new Date(at + 600_000);
        let validatedAt: Date | null = null;
        const validator = leadOf(p);
        if (plan === "validated" && validator !== p) {
          let leadAt =
            submittedAt.getTime() + rng.int(1, Math.max(1, Math.min(10, cap - 21))) * DAY_MS;
          for (let t = 0; t < rated; t++) {
            const self = row[t] ?? null;
            const delta = rng.float();
            const lead =
              self === null
                ? null
                : Math.max(
                    0,
                    Math.min(
                      4,
                      self + (delta < 0.1 ? -1 : delta < 0.18 ? 1 : delta < 0.2 ? -2 : 0),
                    ),
                  );
            leadAt += rng.int(5, 40) * 1000;
            rows.push({
              organization_id: organizationId,
              cycle_id: cycle.id,
              member_id: p.memberId,
              topic_id: (topics[t] as (typeof topics)[number]).id,
              source: "lead",
              level: lead,
              rated_by_user_id: validator.userId,
              created_at: new Date(leadAt),
            });
          }
          validatedAt = new Date(leadAt + 60_000);
        }
        const status = plan === "partial" ? "draft" : validatedAt ? "validated" : "submitted";
        assessments.push({
          organization_id: organizationId,
          cycle_id: cycle.id,
          member_id: p.memberId,
          status,
          revision: 1,
          submitted_at: status === "draft" ? null : submittedAt,
          validated_at: validatedAt,
          validated_by_user_id: validatedAt ? validator.userId : null,
        });
      }
      // The open quarter's ratings so far: nothing dated after now.
      const latest = now.getTime() - 60_000;
      for (const r of rows) if (r.created_at.getTime() > latest) r.created_at = new Date(latest);
      rows.sort((a, b) => a.created_at.getTime() - b.created_at.getTime());
      // Two connections, each with its own half of the people: the trigger maintaining
      // current_levels touches only the rated member's rows, so the halves never wait on
      // each other, and both cores work. The assessments follow once both have committed:
      // a validated one makes its cycle's lead ratings count, which it must see all of.
      const half = (k: number) => rows.filter((r) => (memberIndex.get(r.member_id) ?? 0) % 2 === k);
      await Promise.all([
        db.transaction().execute((trx) => insertChunked(trx, "ratings", half(0))),
        db.transaction().execute((trx) => insertChunked(trx, "ratings", half(1))),
      ]);
      await db.transaction().execute((trx) => insertChunked(trx, "assessments", assessments));
      ratingCount += rows.length;
      assessmentCount += assessments.length;
    }
  });

  // ---- what each closed quarter looked like when it closed, as closing it records
  await timed(phases, "cycleProgress", async () => {
    for (const cycle of cycles)
      if (!cycle.open) await sql`SELECT record_cycle_progress(${cycle.id})`.execute(db);
  });

  // ---- mentorships with check-ins, capability targets
  let checkInCount = 0;
  const mentorshipCount = await timed(phases, "mentoring", async () => {
    const candidates = people.slice(1);
    const taken = new Set<string>();
    const mentorships: Insertable<Database["mentorships"]>[] = [];
    const plans: { status: MentorshipStatus; checkIns: number; startsOn: Date }[] = [];
    const last = cycles.at(-1) as (typeof cycles)[number];
    const previous = cycles.at(-2) ?? last;
    for (
      let tries = 0;
      mentorships.length < size.mentorships && tries < size.mentorships * 50;
      tries++
    ) {
      const mentee = rng.pick(candidates);
      const t = rng.int(0, topics.length - 1);
      const topic = topics[t] as (typeof topics)[number];
      const level = levels[mentee.index]?.[t];
      if (level === null || level === undefined || level >= topic.target[mentee.profile]) continue;
      const mentor = rng.pick(candidates);
      if (mentor === mentee || (levels[mentor.index]?.[t] ?? 0) < 3) continue;
      const key = `${mentor.index}:${mentee.index}:${t}`;
      if (taken.has(key)) continue;
      taken.add(key);
      const roll = rng.float();
      const status: MentorshipStatus =
        roll < 0.6 ? "active" : roll < 0.9 ? "completed" : "proposed";
      const startsOn = new Date(previous.starts.getTime() + rng.int(0, 80) * DAY_MS);
      mentorships.push({
        organization_id: organizationId,
        mentor_id: mentor.memberId,
        mentee_id: mentee.memberId,
        topic_id: topic.id,
        goal_level: Math.min(4, level + 1),
        baseline_level: level,
        cadence_days: 14,
        status,
        starts_on: isoDate(startsOn),
        due_on: isoDate(new Date(startsOn.getTime() + 90 * DAY_MS)),
        proposed_by_user_id: leadOf(mentee).userId,
        accepted_at: status === "proposed" ? null : startsOn,
        ended_at: status === "completed" ? new Date(startsOn.getTime() + 80 * DAY_MS) : null,
        created_at: new Date(startsOn.getTime() - 3 * DAY_MS),
      });
      plans.push({
        status,
        checkIns:
          status === "proposed" ? 0 : status === "completed" ? rng.int(3, 6) : rng.int(1, 5),
        startsOn,
      });
    }
    await db.transaction().execute(async (trx) => {
      const ids: string[] = [];
      for (let i = 0; i < mentorships.length; i += 1000) {
        const inserted = await trx
          .insertInto("mentorships")
          .values(mentorships.slice(i, i + 1000))
          .returning("id")
          .execute();
        ids.push(...inserted.map((r) => r.id));
      }
      const checkIns = plans.flatMap((plan, i) =>
        Array.from({ length: plan.checkIns }, (_, k) => ({
          organization_id: organizationId,
          mentorship_id: ids[i] as string,
          occurred_on: isoDate(new Date(plan.startsOn.getTime() + 14 * (k + 1) * DAY_MS)),
          notes: "Paired on a real ticket; next step agreed.",
          level_estimate: null,
          logged_by_user_id: null,
        })),
      );
      await insertChunked(trx, "check_ins", checkIns);
      checkInCount = checkIns.length;
      // Two capability targets per team, so the team view checks them too.
      await insertChunked(
        trx,
        "capability_targets",
        teamIds.flatMap((teamId, i) =>
          [i % topics.length, (i + 7) % topics.length].map((t) => ({
            organization_id: organizationId,
            team_id: teamId,
            topic_id: (topics[t] as (typeof topics)[number]).id,
            min_people: 3,
            min_level: 3,
          })),
        ),
      );
    });
    return mentorships.length;
  });

  if (analyze)
    await timed(phases, "vacuumAnalyze", () => analyzeAfterBulkLoad(db, { vacuum: true }));

  const lead = people[1] as Member;
  const engineer = people[ENGINEER_INDEX] as Member;
  const open = cycles.at(-1) as (typeof cycles)[number];
  const reportCycle = cycles.at(-2) ?? open;
  return {
    organizationId,
    admin: { email: admin.email, memberId: admin.memberId },
    lead: { email: lead.email, memberId: lead.memberId, teamId: teamIds[0] as string },
    engineer: { email: engineer.email, memberId: engineer.memberId },
    password: BENCH_PASSWORD,
    teams: teamIds.map((id, t) => ({
      id,
      name: `Team ${String(t + 1).padStart(2, "0")}`,
      members: people.filter((p) => p.team === t).length,
    })),
    openCycleId: open.id,
    reportCycleId: reportCycle.id,
    topics: topics.length,
    skillTopicIds: topics.filter((t) => !t.roleExpectation).map((t) => t.id),
    counts: {
      members: people.length,
      teams: teamIds.length,
      topics: topics.length,
      cycles: cycles.length,
      ratings: ratingCount,
      assessments: assessmentCount,
      mentorships: mentorshipCount,
      checkIns: checkInCount,
    },
    phases,
    seconds: Math.round(performance.now() - started) / 1000,
  };
}
