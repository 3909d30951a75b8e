// The demo data set (PRODUCT.md, "Operations"): one organisation, three teams, ~40
// engineers, four quarterly cycles of history and mentorships, so a new user sees a living
// product at once. Generated from a seeded PRNG: every run produces the same data.
//
// `seedDemo()` is idempotent: when the demo admin already belongs to an organisation it
// returns at once and writes nothing. Otherwise everything is written in one transaction.
import { sql, type Insertable, type Kysely } from "kysely";
import { db } from "#db/database";
import type {
  AssessmentStatus,
  AssessmentsTable,
  CheckInsTable,
  Database,
  MemberRole,
  MentorshipStatus,
  RatingsTable,
  TopicFlagsTable,
} from "#db/schema";

import { createOrganization } from "~/modules/accounts/organizations.server";
import { hashPassword } from "~/modules/accounts/passwords.server";
import { analyzeAfterBulkLoad, insertChunked, Rng } from "./bulk";

export const DEMO_ORGANIZATION_NAME = "Acme Engineering";
export const DEMO_TIME_ZONE = "Europe/London";
export const DEMO_PASSWORD = "demo-password-2026";
const EMAIL_DOMAIN = "demo.gapmap.test";

/** The documented demo accounts (README, tests). Every other demo user has the same password. */
export const DEMO_LOGINS = [
  { role: "admin", email: `admin@${EMAIL_DOMAIN}`, password: DEMO_PASSWORD, name: "Alex Admin" },
  { role: "lead", email: `lead@${EMAIL_DOMAIN}`, password: DEMO_PASSWORD, name: "Lee Lead" },
  {
    role: "engineer",
    email: `engineer@${EMAIL_DOMAIN}`,
    password: DEMO_PASSWORD,
    name: "Erin Engineer",
  },
] as const satisfies readonly { role: MemberRole; email: string; password: string; name: string }[];

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
type TeamName = "Platform" | "Payments" | "Growth";
type Profile = "senior" | "mid";
/** What a member has done in the open cycle. */
type OpenPlan = "validated" | "submitted" | "complete_draft" | "partial" | "none";

const TEAMS: TeamName[] = ["Platform", "Payments", "Growth"];
const DAY_MS = 86_400_000;
/** The seed's "today": nothing is dated after it. */
const DEMO_NOW = utc("2026-11-24", 12);
const RISK_LEVEL_CAP = 2;

const CYCLES = [
  {
    name: "2026-Q1",
    starts: "2026-01-01",
    due: "2026-01-22",
    ends: "2026-03-31",
    status: "closed",
  },
  {
    name: "2026-Q2",
    starts: "2026-04-01",
    due: "2026-04-22",
    ends: "2026-06-30",
    status: "closed",
  },
  {
    name: "2026-Q3",
    starts: "2026-07-01",
    due: "2026-07-22",
    ends: "2026-09-30",
    status: "closed",
  },
  { name: "2026-Q4", starts: "2026-10-01", due: "2026-11-30", ends: "2026-12-31", status: "open" },
] as const;
const OPEN = 3;

// ------------------------------------------------------------------ dates

function utc(date: string, hour = 0, minute = 0) {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d, hour, minute));
}

function addDays(date: string, days: number) {
  return new Date(utc(date).getTime() + days * DAY_MS).toISOString().slice(0, 10);
}

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

// ------------------------------------------------------------------ people

const FIRST_NAMES = (
  "Aisha Ben Chloe Daniel Elena Farid Grace Hiro Ines Jonas Kemi Liam Maya Nikhil " +
  "Olivia Pavel Priya Rafael Sara Tomasz Uma Victor Wen Yusuf Zoe Amara Bruno Carmen " +
  "Dev Emeka Freya Gabriel Hana Isaac Jade Kofi Lucia Mateo Nadia Oscar Rosa Sven Tariq " +
  "Valentina Will Yara Zain Ana Ciaran Niamh Rhys Siobhan Tom Hannah James Fatima Mei " +
  "Arjun Leila Marta"
).split(" ");
const LAST_NAMES = (
  "Okafor Patel Nguyen Kowalski Haddad Fischer Silva O'Brien Tanaka Mensah Rossi " +
  "Johansson Khan Moreau Costa Novak Byrne Walsh Campbell Ahmed Chen Singh Lopez Dubois " +
  "Hughes Evans Murphy Kaur Ivanova Adeyemi Bianchi Larsen Duarte Reyes Sato Park Kim " +
  "Osei Farah Hassan Jansen Meyer Petrov Quinn Schmidt Taylor Wright Young Zhang Ali " +
  "Baker Clarke Davies Edwards Foster Green Hall"
).split(" ");

const TITLES: Record<TeamName, Record<Profile, string[]>> = {
  Platform: {
    senior: [
      "Senior Platform Engineer",
      "Senior Site Reliability Engineer",
      "Senior Software Engineer",
    ],
    mid: ["Platform Engineer", "Software Engineer"],
  },
  Payments: {
    senior: ["Senior Backend Engineer", "Senior Software Engineer"],
    mid: ["Backend Engineer", "Software Engineer"],
  },
  Growth: {
    senior: ["Senior Full-Stack Engineer", "Senior Software Engineer"],
    mid: ["Full-Stack Engineer", "Software Engineer"],
  },
};

interface Person {
  index: number;
  displayName: string;
  email: string;
  role: MemberRole;
  title: string;
  profile: Profile;
  team: TeamName | null;
  isLead: boolean;
  /** Index of the last cycle this person rated in (deactivated members stop early). */
  lastCycle: number;
  deactivatedAt: Date | null;
  joinedAt: Date;
  ability: number;
  categoryBias: Map<string, number>;
  /** > 0: rates themself higher than their lead does; < 0: lower. */
  selfBias: number;
  openPlan: OpenPlan;
  userId: string;
  memberId: string;
}

interface TeamLayout {
  leads: number;
  staff: number;
  seniors: number;
  mids: number;
  /** Deactivated members: the index of the last cycle they rated and when they left. */
  leavers: { profile: Profile; lastCycle: number; leftOn: string }[];
}

// Platform also holds the fixed lead (Lee) and engineer (Erin), counted here.
const LAYOUT: Record<TeamName, TeamLayout> = {
  Platform: { leads: 2, staff: 1, seniors: 7, mids: 4, leavers: [] },
  Payments: {
    leads: 2,
    staff: 1,
    seniors: 6,
    mids: 4,
    leavers: [{ profile: "senior", lastCycle: 1, leftOn: "2026-08-14" }],
  },
  Growth: {
    leads: 1,
    staff: 1,
    seniors: 6,
    mids: 4,
    leavers: [{ profile: "mid", lastCycle: 2, leftOn: "2026-10-09" }],
  },
};

function buildPeople(rng: Rng): Person[] {
  // Every generated person has a first name and a surname of their own.
  const firstNames = rng.shuffle(FIRST_NAMES);
  const lastNames = rng.shuffle(LAST_NAMES);
  const people: Person[] = [];
  const joinBase = "2025-06-02";

  const add = (
    p: Omit<
      Person,
      | "index"
      | "ability"
      | "categoryBias"
      | "selfBias"
      | "openPlan"
      | "userId"
      | "memberId"
      | "joinedAt"
    > & { bonus?: number },
  ) => {
    const roll = rng.float();
    people.push({
      ...p,
      index: people.length,
      joinedAt: workTime(rng, joinBase, rng.int(0, 180)),
      ability: rng.normal(0.4) + (p.bonus ?? 0),
      categoryBias: new Map(),
      selfBias: roll < 0.15 ? 1 : roll < 0.25 ? -1 : 0,
      openPlan: "none",
      userId: "",
      memberId: "",
    });
  };
  const generatedName = () => {
    const first = firstNames.pop();
    const last = lastNames.pop();
    if (!first || !last) throw new Error("seeds/demo.ts: add names to FIRST_NAMES and LAST_NAMES");
    const email = `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, "") + `@${EMAIL_DOMAIN}`;
    return { displayName: `${first} ${last}`, email };
  };

  const [admin, lead, engineer] = DEMO_LOGINS;
  add({
    displayName: admin.name,
    email: admin.email,
    role: "admin",
    title: "Head of Engineering",
    profile: "senior",
    team: null,
    isLead: false,
    lastCycle: OPEN,
    deactivatedAt: null,
    bonus: 0.5,
  });
  for (const team of TEAMS) {
    const layout = LAYOUT[team];
    for (let i = 0; i < layout.leads; i++) {
      const fixed = team === "Platform" && i === 0;
      add({
        ...(fixed ? { displayName: lead.name, email: lead.email } : generatedName()),
        role: "lead",
        title: i === 0 ? "Engineering Lead" : "Tech Lead",
        profile: "senior",
        team,
        isLead: true,
        lastCycle: OPEN,
        deactivatedAt: null,
        bonus: 0.35,
      });
    }
    for (let i = 0; i < layout.staff; i++) {
      add({
        ...generatedName(),
        role: "engineer",
        title: "Staff Engineer",
        profile: "senior",
        team,
        isLead: false,
        lastCycle: OPEN,
        deactivatedAt: null,
        bonus: 0.6,
      });
    }
    for (let i = 0; i < layout.seniors; i++) {
      add({
        ...generatedName(),
        role: "engineer",
        title: rng.pick(TITLES[team].senior),
        profile: "senior",
        team,
        isLead: false,
        lastCycle: OPEN,
        deactivatedAt: null,
      });
    }
    for (let i = 0; i < layout.mids; i++) {
      const fixed = team === "Platform" && i === 0;
      add({
        ...(fixed ? { displayName: engineer.name, email: engineer.email } : generatedName()),
        role: "engineer",
        title: fixed ? "Software Engineer" : rng.pick(TITLES[team].mid),
        profile: "mid",
        team,
        isLead: false,
        lastCycle: OPEN,
        deactivatedAt: null,
      });
    }
    for (const leaver of layout.leavers) {
      add({
        ...generatedName(),
        role: "engineer",
        title: rng.pick(TITLES[team][leaver.profile]),
        profile: leaver.profile,
        team,
        isLead: false,
        lastCycle: leaver.lastCycle,
        deactivatedAt: utc(leaver.leftOn, 17),
        bonus: 0,
      });
    }
  }
  return people;
}

// ------------------------------------------------------------------ the framework

interface Topic {
  index: number;
  id: string;
  name: string;
  categoryId: string;
  categoryName: string;
  roleExpectation: boolean;
  target: Record<Profile, number>;
  ease: number;
}

interface Category {
  id: string;
  name: string;
  topics: number[];
}

// Team strengths by category (matched on the category name).
const TEAM_CATEGORY_BIAS: Record<TeamName, [RegExp, number][]> = {
  Platform: [
    [/devops|ci\/cd/i, 0.8],
    [/performance/i, 0.5],
    [/distributed|messaging/i, 0.4],
    [/backend|api/i, -0.2],
  ],
  Payments: [
    [/security/i, 0.8],
    [/database/i, 0.7],
    [/testing|quality/i, 0.3],
    [/devops/i, -0.3],
  ],
  Growth: [
    [/backend|api/i, 0.6],
    [/testing|quality/i, 0.5],
    [/javascript|typescript/i, 0.4],
    [/distributed|messaging/i, -0.6],
    [/system design|architecture/i, -0.3],
  ],
};

// Topics nearly everyone knows well (strong coverage).
const STRONG_TOPICS = [
  /async|promise/i,
  /restful|rest api/i,
  /docker/i,
  /unit test/i,
  /typescript/i,
  /^sql|postgres/i,
  /error handling/i,
];

/**
 * Bus-factor risks on purpose: everyone is capped below Proficient on these topics except
 * the named number of experts per team.
 */
const RISK_TOPICS: { match: RegExp; experts: Partial<Record<TeamName, number>> }[] = [
  { match: /cqrs|event sourcing/i, experts: { Platform: 1 } },
  { match: /grpc/i, experts: {} },
  { match: /memory leak|garbage collection/i, experts: { Payments: 1 } },
  { match: /contract testing|pact/i, experts: { Platform: 1, Payments: 1 } },
];

/**
 * The organisation's default framework as generators need it: topics in form order with
 * their senior and mid targets, categories, and the two target profiles' ids.
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
  const senior = profiles.find((p) => /senior/i.test(p.name)) ?? profiles[profiles.length - 1];
  const mid = profiles.find((p) => /mid/i.test(p.name)) ?? profiles[0];
  const targets = await trx
    .selectFrom("topic_targets")
    .select(["target_profile_id", "topic_id", "target_level"])
    .where("framework_version_id", "=", versionId)
    .where("organization_id", "=", organizationId)
    .execute();
  const targetOf = new Map(targets.map((t) => [`${t.target_profile_id}:${t.topic_id}`, t]));

  const categories: Category[] = [];
  const topics: Topic[] = rows.map((row, index) => {
    let category = categories.find((c) => c.id === row.category_id);
    if (!category) {
      category = { id: row.category_id, name: row.category_name, topics: [] };
      categories.push(category);
    }
    category.topics.push(index);
    const seniorTarget = senior ? targetOf.get(`${senior.id}:${row.topic_id}`) : undefined;
    const midTarget = mid ? targetOf.get(`${mid.id}:${row.topic_id}`) : undefined;
    return {
      index,
      id: row.topic_id,
      name: row.name,
      categoryId: row.category_id,
      categoryName: row.category_name,
      roleExpectation: row.kind === "role_expectations",
      target: { senior: seniorTarget?.target_level ?? 3, mid: midTarget?.target_level ?? 2 },
      ease: STRONG_TOPICS.some((re) => re.test(row.name)) ? 0.7 : 0,
    };
  });
  if (!topics.length) throw new Error("The demo organisation's framework has no topics");
  return {
    versionId,
    topics,
    categories,
    profileIds: { senior: senior?.id ?? null, mid: mid?.id ?? null } as Record<
      Profile,
      string | null
    >,
  };
}

// ------------------------------------------------------------------ skill levels

type Levels = (number | null)[][][]; // [person][topic][cycle]; null = not applicable

function ratesTopic(person: Person, cycle: number, topic: Topic, categories: Category[]) {
  if (cycle > person.lastCycle) return false;
  if (cycle !== OPEN) return true;
  if (person.openPlan === "none") return false;
  if (person.openPlan !== "partial") return true;
  // A partial draft covers the first categories, in form order.
  const done = 2 + (person.index % Math.max(1, categories.length - 4));
  return categories.findIndex((c) => c.id === topic.categoryId) < done;
}

function buildLevels(rng: Rng, people: Person[], topics: Topic[], categories: Category[]): Levels {
  for (const person of people) {
    for (const category of categories) person.categoryBias.set(category.id, rng.normal(0.4));
    person.categoryBias.set(rng.pick(categories).id, 0.7 + rng.float() * 0.3); // a specialty
  }
  return people.map((person) => {
    const teamBias = person.team ? TEAM_CATEGORY_BIAS[person.team] : [];
    return topics.map((topic) => {
      if (!topic.roleExpectation && rng.chance(0.03)) return CYCLES.map(() => null);
      const team = teamBias.find(([re]) => re.test(topic.categoryName))?.[1] ?? 0;
      const role = topic.roleExpectation
        ? person.isLead || person.role === "admin"
          ? 0.8
          : person.profile === "mid"
            ? -0.4
            : 0
        : 0;
      const latent =
        topic.target[person.profile] -
        (person.profile === "mid" ? 0.8 : 0.6) +
        person.ability +
        team +
        role +
        topic.ease +
        (person.categoryBias.get(topic.categoryId) ?? 0) +
        rng.normal(0.55);
      let level = Math.max(0, Math.min(4, Math.round(latent)));
      const history: number[] = [level];
      for (let c = 1; c < CYCLES.length; c++) {
        const roll = rng.float();
        if (roll < 0.13 && level < 4) level += 1;
        else if (roll < 0.155 && level > 0) level -= 1;
        history.push(level);
      }
      return history;
    });
  });
}

/** Applies the deliberate bus-factor risks; returns the experts per risk topic. */
function applyRisks(rng: Rng, people: Person[], topics: Topic[], levels: Levels) {
  const risky = new Map<number, Set<number>>();
  for (const risk of RISK_TOPICS) {
    const topic = topics.find((t) => risk.match.test(t.name));
    if (!topic || risky.has(topic.index)) continue;
    const experts = new Set<number>();
    for (const team of TEAMS) {
      const wanted = risk.experts[team] ?? 0;
      const candidates = people
        .filter(
          (p) =>
            p.team === team &&
            p.lastCycle === OPEN &&
            p.profile === "senior" &&
            levels[p.index]?.[topic.index]?.[0] !== null,
        )
        .sort(
          (a, b) =>
            (levels[b.index]?.[topic.index]?.[0] ?? 0) -
              (levels[a.index]?.[topic.index]?.[0] ?? 0) || a.index - b.index,
        );
      for (const expert of candidates.slice(0, wanted)) experts.add(expert.index);
    }
    for (const person of people) {
      const history = levels[person.index]?.[topic.index];
      if (!history) continue;
      for (let c = 0; c < history.length; c++) {
        const level = history[c];
        if (level === null || level === undefined) continue;
        history[c] = experts.has(person.index)
          ? Math.max(3, level)
          : Math.min(RISK_LEVEL_CAP, level);
      }
      // Half the experts sit at a steady Proficient, the others are stronger.
      if (experts.has(person.index) && rng.chance(0.5)) history.fill(3);
    }
    risky.set(topic.index, experts);
  }
  return risky;
}

// ------------------------------------------------------------------ mentorships

interface MentorshipPlan {
  status: MentorshipStatus;
  team: TeamName;
  mentee?: "engineer";
  mentor?: "lead" | "risk-expert";
  startsOn: string;
  dueOn: string;
  createdOn: string;
  /** The cycle whose level is the baseline (the newest one before the start). */
  baselineCycle: number;
  goalDelta: number;
  /** Cycles (after the start) in which the mentee's level had moved, and by how much. */
  moves: [cycle: number, delta: number][];
  checkIns: number;
  endedOn?: string;
}

const MENTORSHIP_PLANS: MentorshipPlan[] = [
  {
    status: "completed",
    team: "Payments",
    startsOn: "2026-02-02",
    dueOn: "2026-05-04",
    createdOn: "2026-01-28",
    baselineCycle: 0,
    goalDelta: 1,
    moves: [[1, 1]],
    checkIns: 4,
    endedOn: "2026-04-20",
  },
  {
    status: "completed",
    team: "Platform",
    startsOn: "2026-02-09",
    dueOn: "2026-06-29",
    createdOn: "2026-02-04",
    baselineCycle: 0,
    goalDelta: 2,
    moves: [
      [1, 1],
      [2, 2],
    ],
    checkIns: 4,
    endedOn: "2026-06-22",
  },
  {
    status: "completed",
    team: "Growth",
    startsOn: "2026-04-27",
    dueOn: "2026-07-20",
    createdOn: "2026-04-23",
    baselineCycle: 1,
    goalDelta: 1,
    moves: [[2, 1]],
    checkIns: 3,
    endedOn: "2026-07-06",
  },
  {
    status: "cancelled",
    team: "Growth",
    startsOn: "2026-03-02",
    dueOn: "2026-05-25",
    createdOn: "2026-02-25",
    baselineCycle: 0,
    goalDelta: 1,
    moves: [],
    checkIns: 1,
    endedOn: "2026-03-27",
  },
  {
    status: "active",
    team: "Payments",
    startsOn: "2026-07-27",
    dueOn: "2026-11-30",
    createdOn: "2026-07-23",
    baselineCycle: 2,
    goalDelta: 1,
    moves: [[3, 1]],
    checkIns: 4,
  },
  {
    status: "active",
    team: "Platform",
    mentee: "engineer",
    mentor: "lead",
    startsOn: "2026-09-21",
    dueOn: "2026-12-14",
    createdOn: "2026-09-16",
    baselineCycle: 2,
    goalDelta: 1,
    moves: [],
    checkIns: 4,
  },
  {
    status: "active",
    team: "Growth",
    mentor: "risk-expert",
    startsOn: "2026-10-12",
    dueOn: "2027-01-25",
    createdOn: "2026-10-07",
    baselineCycle: 2,
    goalDelta: 1,
    moves: [],
    checkIns: 2,
  },
  {
    status: "active",
    team: "Growth",
    startsOn: "2026-11-02",
    dueOn: "2027-01-25",
    createdOn: "2026-10-29",
    baselineCycle: 2,
    goalDelta: 1,
    moves: [],
    checkIns: 1,
  },
  {
    status: "proposed",
    team: "Platform",
    startsOn: "2026-11-30",
    dueOn: "2027-02-22",
    createdOn: "2026-11-19",
    baselineCycle: 3,
    goalDelta: 1,
    moves: [],
    checkIns: 0,
  },
  {
    status: "proposed",
    team: "Payments",
    startsOn: "2026-12-07",
    dueOn: "2027-03-01",
    createdOn: "2026-11-23",
    baselineCycle: 3,
    goalDelta: 1,
    moves: [],
    checkIns: 0,
  },
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

interface MentorshipRow {
  plan: MentorshipPlan;
  mentor: Person;
  mentee: Person;
  topic: Topic;
  baseline: number;
  goal: number;
}

function levelAt(levels: Levels, person: Person, topic: Topic, cycle: number) {
  return levels[person.index]?.[topic.index]?.[cycle] ?? null;
}

function chooseMentorships(
  rng: Rng,
  people: Person[],
  topics: Topic[],
  categories: Category[],
  levels: Levels,
  risky: Map<number, Set<number>>,
): MentorshipRow[] {
  const rows: MentorshipRow[] = [];
  const load = new Map<number, number>(); // open (proposed/active) mentorships per mentor
  const asMentee = new Map<number, number>();
  const lee = people.find((p) => p.email === DEMO_LOGINS[1].email);
  const erin = people.find((p) => p.email === DEMO_LOGINS[2].email);
  const riskTopics = [...risky.keys()];

  for (const plan of MENTORSHIP_PLANS) {
    const open = plan.status === "active" || plan.status === "proposed";
    const mentees =
      plan.mentee === "engineer" && erin
        ? [erin]
        : rng.shuffle(
            people.filter(
              (p) => p.team === plan.team && !p.isLead && p.lastCycle === OPEN && p !== erin,
            ),
          );
    const topicOrder =
      plan.mentor === "risk-expert"
        ? rng.shuffle(riskTopics.filter((t) => (risky.get(t)?.size ?? 0) > 0))
        : rng.shuffle(topics.map((t) => t.index));
    let chosen: MentorshipRow | undefined;
    search: for (const mentee of mentees) {
      if ((asMentee.get(mentee.index) ?? 0) >= 1) continue;
      for (const t of topicOrder) {
        const topic = topics[t] as Topic;
        if (topic.roleExpectation) continue;
        if (plan.mentor !== "risk-expert" && risky.has(t)) continue;
        if (!ratesTopic(mentee, plan.baselineCycle, topic, categories)) continue;
        if (plan.moves.some(([c]) => !ratesTopic(mentee, c, topic, categories))) continue;
        const baseline = levelAt(levels, mentee, topic, plan.baselineCycle);
        if (baseline === null || baseline >= topic.target[mentee.profile]) continue;
        const goal = Math.min(4, baseline + plan.goalDelta);
        if (goal < 1 || goal <= baseline) continue;
        const mentorPool =
          plan.mentor === "lead" && lee
            ? [lee]
            : plan.mentor === "risk-expert"
              ? people.filter((p) => risky.get(t)?.has(p.index))
              : rng.shuffle(people.filter((p) => p.lastCycle === OPEN && p.role !== "admin"));
        const mentor = mentorPool
          .filter(
            (p) =>
              p !== mentee &&
              (levelAt(levels, p, topic, plan.baselineCycle) ?? 0) >= Math.max(3, goal),
          )
          .filter((p) => !open || (load.get(p.index) ?? 0) < 3)
          .sort(
            (a, b) =>
              Number(b.profile === "senior") - Number(a.profile === "senior") ||
              Number(b.team === mentee.team) - Number(a.team === mentee.team),
          )[0];
        if (!mentor) continue;
        chosen = { plan, mentor, mentee, topic, baseline, goal };
        break search;
      }
    }
    if (!chosen) continue;
    rows.push(chosen);
    asMentee.set(chosen.mentee.index, (asMentee.get(chosen.mentee.index) ?? 0) + 1);
    if (open) load.set(chosen.mentor.index, (load.get(chosen.mentor.index) ?? 0) + 1);
    // The loop closes: the mentee's level moved in the cycles after the start.
    const history = levels[chosen.mentee.index]?.[chosen.topic.index];
    if (history) {
      for (const [cycle, delta] of plan.moves) {
        for (let c = cycle; c < history.length; c++) {
          history[c] = Math.min(4, Math.max(history[c] ?? 0, chosen.baseline + delta));
        }
      }
    }
  }
  return rows;
}

// ------------------------------------------------------------------ rows

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

function evidence(rng: Rng) {
  const count = rng.chance(0.25) ? 2 : 1;
  return Array.from(
    { length: count },
    () => `https://github.com/acme/${rng.pick(REPOS)}/pull/${rng.int(120, 4800)}`,
  );
}

function leadLevel(rng: Rng, person: Person, self: number | null, capped: boolean) {
  if (self === null) return null;
  const roll = rng.float();
  let delta = 0;
  if (roll < 0.015)
    delta = person.selfBias > 0 ? -2 : person.selfBias < 0 ? 2 : rng.chance(0.6) ? -2 : 2;
  else if (roll < 0.12) delta = person.selfBias > 0 ? -1 : person.selfBias < 0 ? 1 : -1;
  else if (roll < 0.22) delta = person.selfBias > 0 ? 0 : 1;
  else if (roll < 0.28) delta = -1;
  let level = Math.max(0, Math.min(4, self + delta));
  if (capped) level = Math.min(level, RISK_LEVEL_CAP);
  return level;
}

function assignOpenPlans(rng: Rng, people: Person[]) {
  const [admin, lead, engineer] = DEMO_LOGINS;
  for (const team of TEAMS) {
    const members = rng.shuffle(
      people.filter(
        (p) =>
          p.team === team &&
          p.lastCycle === OPEN &&
          p.email !== lead.email &&
          p.email !== engineer.email,
      ),
    );
    const n = members.length;
    const counts: [OpenPlan, number][] = [
      ["validated", Math.round(n * 0.35)],
      ["submitted", Math.round(n * 0.25)],
      ["complete_draft", Math.round(n * 0.1)],
      ["partial", Math.round(n * 0.15)],
    ];
    let i = 0;
    for (const [plan, count] of counts)
      for (let k = 0; k < count && i < n; k++) (members[i++] as Person).openPlan = plan;
    while (i < n) (members[i++] as Person).openPlan = "none";
  }
  for (const p of people) {
    if (p.email === admin.email) p.openPlan = "submitted";
    if (p.email === lead.email) p.openPlan = "validated";
    if (p.email === engineer.email) p.openPlan = "partial";
  }
}

/** Who validates the person's assessments and gives lead ratings. */
function validatorOf(person: Person, people: Person[]): Person | null {
  if (person.role === "admin") return null;
  const admin = people.find((p) => p.role === "admin") ?? null;
  if (person.isLead || !person.team) return admin;
  const leads = people.filter((p) => p.team === person.team && p.isLead);
  return leads[person.index % Math.max(1, leads.length)] ?? admin;
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

/** Creates the demo organisation unless it exists. Same data on every run. */
export async function seedDemo(): Promise<SeedDemoResult> {
  const existing = await findDemo(db);
  if (existing) return { ...existing, created: false };
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const result = await db.transaction().execute(async (trx) => {
    // Two processes starting at once: the second waits, then finds the first one's work.
    await sql`SELECT pg_advisory_xact_lock(hashtext('gapmap:seed-demo'))`.execute(trx);
    const raced = await findDemo(trx);
    if (raced) return { ...raced, created: false };
    const organizationId = await writeDemo(trx, passwordHash);
    return { organizationId, created: true, ...(await countDemo(trx, organizationId)) };
  });
  if (result.created) await analyzeAfterBulkLoad(db);
  return result;
}

async function writeDemo(trx: Trx, passwordHash: string): Promise<string> {
  const rng = new Rng(20261125);
  const people = buildPeople(rng);
  const admin = people[0] as Person;

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
  const userIds = new Map(existingUsers.map((u) => [u.email.toLowerCase(), u.id]));
  const newUsers = people.filter((p) => !userIds.has(p.email));
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
    for (const u of inserted) userIds.set(u.email, u.id);
  }
  for (const p of people) p.userId = userIds.get(p.email) as string;

  // ---- the organisation, with the default framework and Alex as its admin
  const org = await createOrganization(trx, {
    name: DEMO_ORGANIZATION_NAME,
    userId: admin.userId,
    timeZone: DEMO_TIME_ZONE,
  });
  const organizationId = org.organizationId;
  admin.memberId = org.membershipId;
  const founded = utc("2025-06-02", 9);
  await trx
    .updateTable("organizations")
    .set({ created_at: founded })
    .where("id", "=", organizationId)
    .execute();
  await trx
    .updateTable("frameworks")
    .set({ created_at: founded })
    .where("organization_id", "=", organizationId)
    .execute();
  await trx
    .updateTable("framework_versions")
    .set({ created_at: founded })
    .where("organization_id", "=", organizationId)
    .execute();
  const { versionId, topics, categories, profileIds } = await loadFramework(trx, organizationId);

  await trx
    .updateTable("memberships")
    .set({
      title: admin.title,
      target_profile_id: profileIds.senior,
      created_at: admin.joinedAt,
    })
    .where("id", "=", admin.memberId)
    .execute();
  const others = people.slice(1);
  const memberships = await trx
    .insertInto("memberships")
    .values(
      others.map((p) => ({
        organization_id: organizationId,
        user_id: p.userId,
        role: p.role,
        title: p.title,
        target_profile_id: profileIds[p.profile],
        active: p.deactivatedAt === null,
        deactivated_at: p.deactivatedAt,
        created_at: p.joinedAt,
      })),
    )
    .returning(["id", "user_id"])
    .execute();
  const memberByUser = new Map(memberships.map((m) => [m.user_id, m.id]));
  for (const p of others) p.memberId = memberByUser.get(p.userId) as string;

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
          membership_id: p.memberId,
          is_lead: p.isLead,
          created_at: p.joinedAt,
        })),
    )
    .execute();

  // ---- cycles, all pinned to the framework's current version
  const cycles = await trx
    .insertInto("cycles")
    .values(
      CYCLES.map((c) => ({
        organization_id: organizationId,
        framework_version_id: versionId,
        name: c.name,
        status: c.status,
        starts_on: c.starts,
        due_on: c.due,
        ends_on: c.ends,
        opened_at: utc(c.starts, 8),
        closed_at: c.status === "closed" ? utc(c.ends, 17) : null,
        created_at: utc(addDays(c.starts, -14), 10),
      })),
    )
    .returning(["id", "name"])
    .execute();
  const cycleIds = CYCLES.map((c) => cycles.find((row) => row.name === c.name)?.id as string);

  // ---- skill levels: per-person profiles, risks, mentoring effects
  assignOpenPlans(rng, people);
  const levels = buildLevels(rng, people, topics, categories);
  const risky = applyRisks(rng, people, topics, levels);
  const mentorships = chooseMentorships(rng, people, topics, categories, levels, risky);

  // ---- ratings and assessments
  const ratings: RatingRow[] = [];
  const assessments: AssessmentRow[] = [];
  for (let c = 0; c < CYCLES.length; c++) {
    const cycle = CYCLES[c] as (typeof CYCLES)[number];
    const cycleId = cycleIds[c] as string;
    const closed = cycle.status === "closed";
    const cycleEnd = closed ? utc(cycle.ends, 16) : DEMO_NOW;
    for (const person of people) {
      if (c > person.lastCycle) continue;
      if (!closed && person.openPlan === "none") {
        // Opening a cycle starts a draft for every active member, even one not begun yet.
        const opened = utc(cycle.starts, 8);
        assessments.push({
          organization_id: organizationId,
          cycle_id: cycleId,
          member_id: person.memberId,
          status: "draft",
          revision: 0,
          created_at: opened,
          updated_at: opened,
        });
        continue;
      }
      const start = workTime(
        rng,
        cycle.starts,
        closed ? rng.int(0, 17) : person.openPlan === "validated" ? rng.int(1, 25) : rng.int(5, 45),
      );
      let at = start;
      const self = new Map<number, number | null>();
      for (const topic of topics) {
        if (!ratesTopic(person, c, topic, categories)) continue;
        const level = levelAt(levels, person, topic, c);
        self.set(topic.index, level);
        at = plusMinutes(at, rng.float() * 1.5 + 0.25);
        const withEvidence = level !== null && level >= 2 && rng.chance(0.03);
        ratings.push({
          organization_id: organizationId,
          cycle_id: cycleId,
          member_id: person.memberId,
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
          evidence_urls: withEvidence ? evidence(rng) : [],
          rated_by_user_id: person.userId,
          created_at: at,
        });
      }
      const lastSelf = at;
      const categoriesDone = new Set(
        topics.filter((t) => self.has(t.index)).map((t) => t.categoryId),
      ).size;

      let status: AssessmentStatus = "draft";
      let submittedAt: Date | null = null;
      let validatedAt: Date | null = null;
      let validator: Person | null = null;
      const submits = closed || person.openPlan === "validated" || person.openPlan === "submitted";
      if (submits) {
        status = "submitted";
        submittedAt = plusMinutes(lastSelf, rng.int(2, 30));
        validator = validatorOf(person, people);
        const validates = validator && (closed ? rng.chance(0.9) : person.openPlan === "validated");
        if (validator && validates) {
          let leadAt = earliest(
            workTime(rng, submittedAt.toISOString().slice(0, 10), rng.int(1, 8)),
            plusMinutes(cycleEnd, -600),
          );
          if (leadAt.getTime() <= submittedAt.getTime()) leadAt = plusMinutes(submittedAt, 60);
          for (const topic of topics) {
            if (!self.has(topic.index)) continue;
            const selfLevel = self.get(topic.index) ?? null;
            const capped = risky.has(topic.index) && !risky.get(topic.index)?.has(person.index);
            const level = leadLevel(rng, person, selfLevel, capped);
            leadAt = plusMinutes(leadAt, rng.float() * 0.8 + 0.2);
            const disagree =
              level !== null && selfLevel !== null && Math.abs(level - selfLevel) >= 2;
            ratings.push({
              organization_id: organizationId,
              cycle_id: cycleId,
              member_id: person.memberId,
              topic_id: topic.id,
              source: "lead",
              level,
              note: disagree
                ? rng.pick(DISAGREE_NOTES)
                : rng.chance(0.02)
                  ? rng.pick(LEAD_NOTES)
                  : null,
              evidence_urls: [],
              rated_by_user_id: validator.userId,
              created_at: leadAt,
            });
          }
          status = "validated";
          validatedAt = plusMinutes(leadAt, rng.int(1, 10));
        } else {
          validator = null;
        }
      }
      assessments.push({
        organization_id: organizationId,
        cycle_id: cycleId,
        member_id: person.memberId,
        status,
        revision: categoriesDone + (submits ? 1 : 0) + (validatedAt ? 1 : 0),
        submitted_at: submittedAt,
        validated_at: validatedAt,
        validated_by_user_id: validatedAt ? (validator?.userId ?? null) : null,
        created_at: plusMinutes(start, -1),
        updated_at: validatedAt ?? submittedAt ?? lastSelf,
      });
    }
  }
  // Chronological insert: rating ids follow time, so current_ratings ends on the newest.
  ratings.sort((a, b) => a.created_at.getTime() - b.created_at.getTime());
  await insertChunked(trx, "ratings", ratings);
  await insertChunked(trx, "assessments", assessments);
  // What each closed quarter looked like when it closed, as closing it would have recorded.
  for (const [c, cycle] of CYCLES.entries())
    if (cycle.status === "closed")
      await sql`SELECT record_cycle_progress(${cycleIds[c]})`.execute(trx);

  // ---- want to learn / can mentor
  const flags = new Map<string, FlagRow>();
  const flag = (person: Person, topic: Topic, kind: "want_to_learn" | "can_mentor", on: Date) => {
    const key = `${person.index}:${topic.index}`;
    const row: FlagRow = flags.get(key) ?? {
      organization_id: organizationId,
      member_id: person.memberId,
      topic_id: topic.id,
      updated_at: on,
    };
    row[kind] = true;
    flags.set(key, row);
  };
  for (const person of people) {
    if (person.lastCycle !== OPEN) continue;
    const latest = (t: Topic) =>
      levelAt(levels, person, t, ratesTopic(person, OPEN, t, categories) ? OPEN : OPEN - 1);
    const gaps = topics.filter(
      (t) => !t.roleExpectation && (latest(t) ?? 99) < t.target[person.profile],
    );
    if (gaps.length && rng.chance(0.65)) {
      for (const topic of rng.shuffle(gaps).slice(0, rng.int(1, 3)))
        flag(person, topic, "want_to_learn", workTime(rng, "2026-07-01", rng.int(0, 120)));
    }
    for (const topic of topics) {
      const level = latest(topic);
      if (topic.roleExpectation || level === null) continue;
      if (
        (level === 4 && rng.chance(0.2)) ||
        (level === 3 && person.profile === "senior" && rng.chance(0.02))
      ) {
        flag(person, topic, "can_mentor", workTime(rng, "2026-04-01", rng.int(0, 200)));
      }
    }
  }
  for (const [topicIndex, experts] of risky) {
    for (const expert of experts)
      flag(
        people[expert] as Person,
        topics[topicIndex] as Topic,
        "can_mentor",
        utc("2026-07-09", 11),
      );
  }
  for (const m of mentorships) {
    flag(m.mentee, m.topic, "want_to_learn", utc(addDays(m.plan.createdOn, -3), 10));
    flag(m.mentor, m.topic, "can_mentor", utc(addDays(m.plan.createdOn, -10), 10));
  }
  await insertChunked(trx, "topic_flags", [...flags.values()]);

  // ---- mentorships and check-ins
  if (mentorships.length) {
    const inserted = await trx
      .insertInto("mentorships")
      .values(
        mentorships.map((m) => ({
          organization_id: organizationId,
          mentor_id: m.mentor.memberId,
          mentee_id: m.mentee.memberId,
          topic_id: m.topic.id,
          goal_level: m.goal,
          baseline_level: m.baseline,
          cadence_days: 14,
          status: m.plan.status,
          starts_on: m.plan.startsOn,
          due_on: m.plan.dueOn,
          proposed_by_user_id: (validatorOf(m.mentee, people) ?? admin).userId,
          accepted_at: m.plan.status === "proposed" ? null : utc(addDays(m.plan.createdOn, 2), 11),
          ended_at: m.plan.endedOn ? utc(m.plan.endedOn, 15) : null,
          created_at: utc(m.plan.createdOn, 10),
        })),
      )
      .returning("id")
      .execute();
    const checkIns: CheckInRow[] = [];
    mentorships.forEach((m, i) => {
      const mentorshipId = inserted[i]?.id as string;
      for (let k = 1; k <= m.plan.checkIns; k++) {
        const occurredOn = addDays(m.plan.startsOn, 14 * k);
        const last = k === m.plan.checkIns;
        const estimate =
          m.plan.status === "completed" && last
            ? m.goal
            : k >= 2 && rng.chance(0.5)
              ? Math.min(m.goal, m.baseline + (k >= 3 ? 1 : 0))
              : null;
        checkIns.push({
          organization_id: organizationId,
          mentorship_id: mentorshipId,
          occurred_on: occurredOn,
          notes:
            m.plan.status === "completed" && last
              ? "Wrapped up: goal reached, next steps agreed."
              : rng.pick(CHECK_IN_NOTES),
          level_estimate: estimate,
          logged_by_user_id: rng.chance(0.7) ? m.mentee.userId : m.mentor.userId,
          created_at: utc(occurredOn, 16, rng.int(0, 59)),
        });
      }
    });
    await insertChunked(trx, "check_ins", checkIns);
  }

  // ---- team capability targets: "at least 2 people Proficient+" on the risky topics
  const capability = TEAMS.flatMap((team) =>
    [...risky.keys()].map((t) => ({
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
