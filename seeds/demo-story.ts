// The demo's story, as numbers (seeds/demo.ts writes it): who works where, what each person
// really knows on each topic in each of the four quarters, how they rate themselves, and the
// mentorships that moved people. Pure functions of a seeded PRNG and of today's date, so
// every run tells the same story, always ending in the current quarter.
//
// The shape it keeps (tests/seeds/demo.test.ts checks it):
// - seniors meet most must-haves, mids are growing into theirs, juniors start low;
// - between two quarters few levels move (a few percent), nearly all of them upward, most
//   of them on must-have gaps, so the organisation's must-have share climbs each quarter;
// - a mentee's level on the mentored topic rises in the quarter after the mentoring began;
// - self and lead ratings agree except for steady habits (some people rate themselves a
//   level high or low on a few topics, which the lead's level corrects) and a handful of
//   two-level disagreements in the open quarter: the calibration queue;
// - a few topics only one person (or nobody) in a team masters: the bus-factor risks;
// - a few ratings nobody re-confirmed since the first quarter: the stale ones.
import type { MemberRole, MentorshipStatus, TargetPriority } from "#db/schema";
import type { Rng } from "./bulk";

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

type TeamName = "Platform" | "Payments" | "Growth";
export type Profile = "junior" | "mid" | "senior";
/** What a member has done in the open cycle. */
type OpenPlan = "validated" | "submitted" | "complete_draft" | "partial" | "none";

export const TEAMS: TeamName[] = ["Platform", "Payments", "Growth"];
export const OPEN = 3;
const DAY_MS = 86_400_000;

// ------------------------------------------------------------------ dates

export function utc(date: string, hour = 0, minute = 0) {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d, hour, minute));
}

export function addDays(date: string, days: number) {
  return new Date(utc(date).getTime() + days * DAY_MS).toISOString().slice(0, 10);
}

function addMonths(date: string, months: number) {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1 + months, d)).toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string) {
  return Math.round((utc(to).getTime() - utc(from).getTime()) / DAY_MS);
}

export interface DemoCycle {
  name: string;
  starts: string;
  due: string;
  ends: string;
  status: "closed" | "open";
  /** When it was closed (its last day, late afternoon); null for the open one. */
  closedAt: Date | null;
}

/**
 * Four quarterly cycles ending with the current calendar quarter, which is open and due ten
 * days from today (its end moves out a week past that when the quarter is nearly over).
 */
export function demoCycles(now: Date): DemoCycle[] {
  const today = now.toISOString().slice(0, 10);
  const [year, month] = today.split("-").map(Number) as [number, number];
  const openStart = `${year}-${String(month - ((month - 1) % 3)).padStart(2, "0")}-01`;
  return [3, 2, 1, 0].map((back) => {
    const starts = addMonths(openStart, -3 * back);
    const quarterEnd = addDays(addMonths(starts, 3), -1);
    const [y, m] = starts.split("-").map(Number) as [number, number];
    const name = `${y}-Q${(m - 1) / 3 + 1}`;
    if (back > 0) {
      const closedAt = utc(quarterEnd, 17);
      return {
        name,
        starts,
        due: addDays(starts, 21),
        ends: quarterEnd,
        status: "closed",
        closedAt,
      };
    }
    const due = addDays(today, 10);
    const ends = addDays(due, 7) > quarterEnd ? addDays(due, 7) : quarterEnd;
    return { name, starts, due, ends, status: "open", closedAt: null };
  });
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
    junior: ["Junior Platform Engineer", "Junior Software Engineer"],
  },
  Payments: {
    senior: ["Senior Backend Engineer", "Senior Software Engineer"],
    mid: ["Backend Engineer", "Software Engineer"],
    junior: ["Junior Backend Engineer", "Junior Software Engineer"],
  },
  Growth: {
    senior: ["Senior Full-Stack Engineer", "Senior Software Engineer"],
    mid: ["Full-Stack Engineer", "Software Engineer"],
    junior: ["Junior Full-Stack Engineer", "Graduate Engineer"],
  },
};

export interface Person {
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
  deactivatedOn: string | null;
  joinedAt: Date;
  ability: number;
  /** +1: rates themself a level higher than their lead does on a few topics; -1: lower. */
  selfBias: number;
  openPlan: OpenPlan;
}

interface TeamLayout {
  leads: number;
  staff: number;
  seniors: number;
  mids: number;
  juniors: number;
  /** Deactivated members: the last cycle they rated in. */
  leavers: { profile: Profile; lastCycle: number }[];
}

// Platform also holds the fixed lead (Lee) and engineer (Erin, a mid), counted here.
const LAYOUT: Record<TeamName, TeamLayout> = {
  Platform: { leads: 2, staff: 1, seniors: 4, mids: 4, juniors: 3, leavers: [] },
  Payments: {
    leads: 2,
    staff: 1,
    seniors: 3,
    mids: 4,
    juniors: 3,
    leavers: [{ profile: "senior", lastCycle: 1 }],
  },
  Growth: {
    leads: 1,
    staff: 0,
    seniors: 4,
    mids: 3,
    juniors: 3,
    leavers: [{ profile: "mid", lastCycle: 2 }],
  },
};

/** How far above (or below) their profile's target people start, by profile. */
const START_OFFSET: Record<Profile, number> = { senior: -0.65, mid: -1.15, junior: -1.45 };

export function buildPeople(rng: Rng, cycles: DemoCycle[]): Person[] {
  // Every generated person has a first name and a surname of their own.
  const firstNames = rng.shuffle(FIRST_NAMES);
  const lastNames = rng.shuffle(LAST_NAMES);
  const people: Person[] = [];
  const joinBase = addMonths(cycles[0]!.starts, -7);

  const add = (
    p: Omit<Person, "index" | "ability" | "selfBias" | "openPlan" | "joinedAt"> & {
      bonus?: number;
    },
  ) => {
    const roll = rng.float();
    const { bonus, ...rest } = p;
    people.push({
      ...rest,
      index: people.length,
      joinedAt: utc(addDays(joinBase, rng.int(0, 150)), rng.int(8, 16), rng.int(0, 59)),
      ability: rng.normal(0.3) + (bonus ?? 0),
      selfBias: roll < 0.2 ? 1 : roll < 0.32 ? -1 : 0,
      openPlan: "none",
    });
  };
  const generatedName = () => {
    const first = firstNames.pop();
    const last = lastNames.pop();
    if (!first || !last)
      throw new Error("seeds/demo-story.ts: add names to FIRST_NAMES and LAST_NAMES");
    const email = `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, "") + `@${EMAIL_DOMAIN}`;
    return { displayName: `${first} ${last}`, email };
  };
  const stays = { lastCycle: OPEN, deactivatedOn: null };

  const [admin, lead, engineer] = DEMO_LOGINS;
  add({
    ...stays,
    displayName: admin.name,
    email: admin.email,
    role: "admin",
    title: "Head of Engineering",
    profile: "senior",
    team: null,
    isLead: false,
    bonus: 0.4,
  });
  for (const team of TEAMS) {
    const layout = LAYOUT[team];
    for (let i = 0; i < layout.leads; i++) {
      const fixed = team === "Platform" && i === 0;
      add({
        ...stays,
        ...(fixed ? { displayName: lead.name, email: lead.email } : generatedName()),
        role: "lead",
        title: i === 0 ? "Engineering Lead" : "Tech Lead",
        profile: "senior",
        team,
        isLead: true,
        bonus: 0.3,
      });
    }
    for (let i = 0; i < layout.staff; i++)
      add({
        ...stays,
        ...generatedName(),
        role: "engineer",
        title: "Staff Engineer",
        profile: "senior",
        team,
        isLead: false,
        bonus: 0.45,
      });
    const engineers: [Profile, number][] = [
      ["senior", layout.seniors],
      ["mid", layout.mids],
      ["junior", layout.juniors],
    ];
    for (const [profile, count] of engineers) {
      for (let i = 0; i < count; i++) {
        const fixed = team === "Platform" && profile === "mid" && i === 0;
        add({
          ...stays,
          ...(fixed ? { displayName: engineer.name, email: engineer.email } : generatedName()),
          role: "engineer",
          title: fixed ? "Software Engineer" : rng.pick(TITLES[team][profile]),
          profile,
          team,
          isLead: false,
        });
      }
    }
    for (const leaver of layout.leavers) {
      // Left some weeks into the quarter after their last rating, before the open one.
      const next = cycles[leaver.lastCycle + 1]!;
      add({
        ...generatedName(),
        role: "engineer",
        title: rng.pick(TITLES[team][leaver.profile]),
        profile: leaver.profile,
        team,
        isLead: false,
        lastCycle: leaver.lastCycle,
        deactivatedOn: addDays(next.starts, Math.min(44, daysBetween(next.starts, next.ends) - 10)),
      });
    }
  }
  assignOpenPlans(rng, people);
  return people;
}

/** About half of the open cycle's assessments are submitted (a few of them validated too). */
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
      ["validated", Math.round(n * 0.3)],
      ["submitted", Math.round(n * 0.22)],
      ["complete_draft", Math.round(n * 0.1)],
      ["partial", Math.round(n * 0.18)],
    ];
    let i = 0;
    for (const [plan, count] of counts)
      for (let k = 0; k < count && i < n; k++) members[i++]!.openPlan = plan;
    while (i < n) members[i++]!.openPlan = "none";
  }
  for (const p of people) {
    if (p.email === admin.email) p.openPlan = "submitted";
    if (p.email === lead.email) p.openPlan = "validated";
    if (p.email === engineer.email) p.openPlan = "partial";
  }
}

/** Who validates the person's assessments and gives lead ratings. */
export function validatorOf(person: Person, people: Person[]): Person | null {
  if (person.role === "admin") return null;
  const admin = people.find((p) => p.role === "admin") ?? null;
  if (person.isLead || !person.team) return admin;
  const leads = people.filter((p) => p.team === person.team && p.isLead);
  return leads[person.index % Math.max(1, leads.length)] ?? admin;
}

// ------------------------------------------------------------------ the framework

export interface Topic {
  index: number;
  id: string;
  name: string;
  categoryId: string;
  categoryName: string;
  roleExpectation: boolean;
  target: Record<Profile, number>;
  priority: Record<Profile, TargetPriority>;
  ease: number;
}

export interface Category {
  id: string;
  name: string;
  topics: number[];
}

// Team strengths by category (matched on the category name).
const TEAM_CATEGORY_BIAS: Record<TeamName, [RegExp, number][]> = {
  Platform: [
    [/devops|ci\/cd/i, 0.5],
    [/performance/i, 0.3],
    [/distributed|messaging/i, 0.3],
    [/backend|api/i, -0.2],
  ],
  Payments: [
    [/security/i, 0.5],
    [/database/i, 0.4],
    [/testing|quality/i, 0.2],
    [/devops/i, -0.3],
  ],
  Growth: [
    [/backend|api/i, 0.4],
    [/testing|quality/i, 0.3],
    [/javascript|typescript/i, 0.2],
    [/distributed|messaging/i, -0.2],
    [/system design|architecture/i, -0.1],
  ],
};

// Topics nearly everyone knows well (strong coverage).
export const STRONG_TOPICS = [
  /async|promise/i,
  /restful|rest api/i,
  /docker/i,
  /unit test/i,
  /typescript/i,
  /^sql|postgres/i,
  /version control|git/i,
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
const RISK_LEVEL_CAP = 2;

// ------------------------------------------------------------------ mentorships

interface MentorshipPlan {
  team: TeamName;
  status: MentorshipStatus;
  mentee?: "engineer";
  mentor?: "lead";
  /** The cycle whose level is the baseline: the newest before the start. */
  baselineCycle: number;
  /** The cycle whose rating shows the mentee's new level (none: not yet). */
  improvesIn: number | null;
  startsOn: string;
  dueOn: string;
  endedOn: string | null;
  /** No check-in logged for the last month: the overdue one. */
  lapsed?: boolean;
}

/** Several mentorships per team over the year: finished ones that moved people, live ones. */
function mentorshipPlans(cycles: DemoCycle[], today: string): MentorshipPlan[] {
  const [q1, q2, q3] = cycles as [DemoCycle, DemoCycle, DemoCycle, DemoCycle];
  const recent = addDays(today, -45);
  const plans: MentorshipPlan[] = [];
  for (const team of TEAMS) {
    plans.push(
      {
        team,
        status: "completed",
        baselineCycle: 0,
        improvesIn: 1,
        startsOn: addDays(q1.starts, 33),
        dueOn: addDays(q2.starts, 45),
        endedOn: addDays(q2.starts, 38),
      },
      {
        team,
        status: "completed",
        baselineCycle: 1,
        improvesIn: 2,
        startsOn: addDays(q2.starts, 30),
        dueOn: addDays(q3.starts, 50),
        endedOn: addDays(q3.starts, 42),
      },
      {
        team,
        status: "active",
        baselineCycle: 2,
        improvesIn: OPEN,
        startsOn: addDays(q3.starts, 35),
        dueOn: addDays(today, 40),
        endedOn: null,
      },
      {
        team,
        status: "active",
        ...(team === "Platform" ? { mentee: "engineer", mentor: "lead" } : {}),
        lapsed: team === "Payments",
        baselineCycle: 2,
        improvesIn: null,
        startsOn: recent,
        dueOn: addDays(today, 75),
        endedOn: null,
      },
    );
  }
  plans.push(
    {
      team: "Growth",
      status: "cancelled",
      baselineCycle: 0,
      improvesIn: null,
      startsOn: addDays(q1.starts, 55),
      dueOn: addDays(q2.starts, 50),
      endedOn: addDays(q1.starts, 80),
    },
    {
      team: "Platform",
      status: "proposed",
      baselineCycle: 2,
      improvesIn: null,
      startsOn: addDays(today, 7),
      dueOn: addDays(today, 90),
      endedOn: null,
    },
    {
      team: "Payments",
      status: "proposed",
      baselineCycle: 2,
      improvesIn: null,
      startsOn: addDays(today, 10),
      dueOn: addDays(today, 95),
      endedOn: null,
    },
  );
  return plans;
}

export interface ChosenMentorship {
  plan: MentorshipPlan;
  mentor: Person;
  mentee: Person;
  topic: Topic;
  baseline: number;
  goal: number;
}

// ------------------------------------------------------------------ levels

export interface Story {
  people: Person[];
  /** [person][topic][cycle]: what the person really knows (the lead's level); null = N/A. */
  truth: (number | null)[][][];
  /** [person][topic]: how far their self rating sits from the truth, steadily. */
  selfOffset: number[][];
  /** "person:topic" pairs nobody re-rated after the first cycle. */
  stale: Set<string>;
  /** "person:topic" pairs rated two levels apart from the lead in the open cycle. */
  disagreements: Set<string>;
  risky: Map<number, Set<number>>;
  mentorships: ChosenMentorship[];
}

const key = (p: Person | number, t: Topic | number) =>
  `${typeof p === "number" ? p : p.index}:${typeof t === "number" ? t : t.index}`;

/** Whether the person rates the topic in the cycle (the open cycle: by how far they got). */
export function ratesTopic(
  story: Pick<Story, "stale">,
  person: Person,
  cycle: number,
  topic: Topic,
  categories: Category[],
) {
  if (cycle > person.lastCycle) return false;
  if (cycle > 0 && story.stale.has(key(person, topic))) return false;
  if (cycle !== OPEN) return true;
  if (person.openPlan === "none") return false;
  if (person.openPlan !== "partial") return true;
  // A partial draft covers the first categories, in form order.
  const done = 2 + (person.index % Math.max(1, categories.length - 4));
  return categories.findIndex((c) => c.id === topic.categoryId) < done;
}

const clamp = (level: number) => Math.max(0, Math.min(4, level));

/** Growth per quarter: how many topics a person moves up a level, by profile. */
const STEPS: Record<Profile, [number, number]> = { junior: [3, 6], mid: [3, 5], senior: [1, 2] };
const GAP_WEIGHT: Record<TargetPriority, number> = {
  must_have: 5,
  good_to_have: 1.2,
  advanced: 0.4,
};

export function tellStory(
  rng: Rng,
  people: Person[],
  topics: Topic[],
  categories: Category[],
  cycles: DemoCycle[],
  today: string,
): Story {
  const categoryBias = people.map(() => new Map<string, number>());
  for (const person of people) {
    for (const category of categories)
      categoryBias[person.index]!.set(category.id, rng.normal(0.3));
    categoryBias[person.index]!.set(rng.pick(categories).id, 0.6); // a specialty
  }

  // ---- the first quarter
  const start = people.map((person) => {
    const teamBias = person.team ? TEAM_CATEGORY_BIAS[person.team] : [];
    return topics.map((topic) => {
      if (!topic.roleExpectation && rng.chance(0.03)) return null;
      const must = topic.priority[person.profile] === "must_have";
      const role = topic.roleExpectation && (person.isLead || person.role === "admin") ? 0.6 : 0;
      const latent =
        topic.target[person.profile] +
        START_OFFSET[person.profile] +
        // Seniors each have their advanced specialities (else nobody masters them).
        (person.profile === "senior" && topic.priority.senior === "advanced" ? 1 : 0) +
        person.ability +
        (teamBias.find(([re]) => re.test(topic.categoryName))?.[1] ?? 0) +
        role +
        topic.ease +
        (categoryBias[person.index]!.get(topic.categoryId) ?? 0) +
        rng.normal(0.45);
      // Seniors are at least Working on their must-haves, mids at least Aware.
      const floor = must ? { senior: 2, mid: 1, junior: 0 }[person.profile] : 0;
      return Math.max(floor, clamp(Math.round(latent)));
    });
  });
  const truth = start.map((levels) => levels.map((level) => cycles.map(() => level)));

  // ---- bus-factor risks: capped for all but a few experts
  const risky = new Map<number, Set<number>>();
  for (const risk of RISK_TOPICS) {
    const topic = topics.find((t) => risk.match.test(t.name));
    if (!topic || risky.has(topic.index)) continue;
    const experts = new Set<number>();
    for (const team of TEAMS) {
      const candidates = people
        .filter((p) => p.team === team && p.lastCycle === OPEN && p.profile === "senior")
        .filter((p) => start[p.index]![topic.index] !== null)
        .sort(
          (a, b) =>
            (start[b.index]![topic.index] ?? 0) - (start[a.index]![topic.index] ?? 0) ||
            a.index - b.index,
        );
      for (const expert of candidates.slice(0, risk.experts[team] ?? 0)) experts.add(expert.index);
    }
    for (const person of people) {
      const history = truth[person.index]![topic.index]!;
      for (let c = 0; c < history.length; c++) {
        const level = history[c];
        if (level === null || level === undefined) continue;
        history[c] = experts.has(person.index)
          ? Math.max(3, level)
          : Math.min(RISK_LEVEL_CAP, level);
      }
    }
    risky.set(topic.index, experts);
  }

  // ---- stale: a few people left one category unconfirmed since the first quarter
  const stale = new Set<string>();
  const staleOwners = rng
    .shuffle(
      people.filter(
        (p) => p.lastCycle === OPEN && !p.isLead && p.role !== "admin" && p.openPlan === "none",
      ),
    )
    .slice(0, 3);
  for (const person of staleOwners) {
    const category = rng.pick(
      categories.filter((c) => c.topics.length >= 3 && c.topics.length <= 5),
    );
    for (const t of category.topics.slice(0, 3)) stale.add(key(person, t));
  }

  // ---- the quarters: mentorships begun, then growth
  const plans = mentorshipPlans(cycles, today);
  const mentorships: ChosenMentorship[] = [];
  const mentored = new Set<string>();
  const story: Story = {
    people,
    truth,
    selfOffset: [],
    stale,
    disagreements: new Set(),
    risky,
    mentorships,
  };
  const level = (p: Person, t: Topic, c: number) => truth[p.index]![t.index]![c] ?? null;
  for (let c = 0; c < cycles.length; c++) {
    if (c > 0) {
      for (const person of people) {
        if (c > person.lastCycle) continue;
        const rated = topics.filter((t) => ratesTopic(story, person, c, t, categories));
        const raise = (t: Topic, by: number) => {
          const history = truth[person.index]![t.index]!;
          for (let k = c; k < history.length; k++)
            if (history[k] !== null) history[k] = clamp((history[k] as number) + by);
        };
        // Forced moves: the mentorships that bore fruit this quarter.
        for (const m of mentorships)
          if (m.mentee === person && m.plan.improvesIn === c && rated.includes(m.topic))
            raise(m.topic, m.goal - (level(person, m.topic, c) ?? m.goal));
        const movable = rated.filter((t) => {
          const now = level(person, t, c);
          if (now === null || now >= 4 || mentored.has(key(person, t))) return false;
          return !(
            risky.has(t.index) &&
            !risky.get(t.index)?.has(person.index) &&
            now >= RISK_LEVEL_CAP
          );
        });
        const [min, max] = STEPS[person.profile];
        let steps = rng.int(min, max);
        const pool = movable.map((t) => ({
          t,
          w:
            (level(person, t, c) ?? 0) < t.target[person.profile]
              ? GAP_WEIGHT[t.priority[person.profile]]
              : 0.15,
        }));
        while (steps-- > 0 && pool.length) {
          const total = pool.reduce((sum, e) => sum + e.w, 0);
          let roll = rng.float() * total;
          const i = Math.max(
            0,
            pool.findIndex((e) => (roll -= e.w) < 0),
          );
          raise(pool[i]!.t, 1);
          pool.splice(i, 1);
        }
        // Now and then a skill not used for a while slips a level.
        if (rng.chance(0.15)) {
          const rusty = rated.filter(
            (t) =>
              t.priority[person.profile] !== "must_have" &&
              (level(person, t, c) ?? 0) >= 2 &&
              !mentored.has(key(person, t)),
          );
          if (rusty.length) raise(rng.pick(rusty), -1);
        }
      }
    }
    for (const plan of plans.filter((p) => p.baselineCycle === c)) {
      const chosen = chooseMentorship(rng, plan, people, topics, categories, story, c, mentorships);
      if (!chosen) continue;
      mentorships.push(chosen);
      if (chosen.plan.status !== "cancelled") mentored.add(key(chosen.mentee, chosen.topic));
      // A mentorship that shows in the open cycle: its mentee has submitted there.
      if (plan.improvesIn === OPEN && !["validated", "submitted"].includes(chosen.mentee.openPlan))
        chosen.mentee.openPlan = "submitted";
    }
  }

  // ---- how people rate themselves
  story.selfOffset = people.map((person) =>
    topics.map(() => (person.selfBias !== 0 && rng.chance(0.15) ? person.selfBias : 0)),
  );
  const disagreeable = rng
    .shuffle(people.filter((p) => p.openPlan === "validated" && p.role !== "admin"))
    .slice(0, 5);
  for (const person of disagreeable) {
    for (const topic of rng.shuffle(topics.filter((t) => !t.roleExpectation)).slice(0, 2)) {
      if (level(person, topic, OPEN) === null || stale.has(key(person, topic))) continue;
      story.disagreements.add(key(person, topic));
    }
  }
  return story;
}

function chooseMentorship(
  rng: Rng,
  plan: MentorshipPlan,
  people: Person[],
  topics: Topic[],
  categories: Category[],
  story: Story,
  c: number,
  taken: ChosenMentorship[],
): ChosenMentorship | null {
  const level = (p: Person, t: Topic) => story.truth[p.index]![t.index]![c] ?? null;
  const team = people.filter((p) => p.team === plan.team && p.lastCycle === OPEN);
  const engineer = people.find((p) => p.email === DEMO_LOGINS[2].email);
  const lead = people.find((p) => p.email === DEMO_LOGINS[1].email);
  const busy = (p: Person) =>
    taken.some(
      (m) =>
        m.mentee === p &&
        (m.plan.endedOn === null || m.plan.endedOn >= plan.startsOn) &&
        m.plan.startsOn <= plan.dueOn,
    );
  const mentees =
    plan.mentee === "engineer" && engineer
      ? [engineer]
      : rng
          .shuffle(team.filter((p) => p.profile !== "senior" && p !== engineer && !busy(p)))
          .sort((a, b) => Number(a.profile === "mid") - Number(b.profile === "mid"));
  // The organisation's top gaps first (priority weight × levels short, as the gap view
  // ranks them): where a mentor does the most good, and where the reports show it.
  const score = (t: Topic) =>
    people.reduce((sum, p) => {
      const l = p.lastCycle >= c ? level(p, t) : null;
      return l === null
        ? sum
        : sum + Math.max(0, t.target[p.profile] - l) * GAP_WEIGHT[t.priority[p.profile]];
    }, 0);
  const ranked = rng
    .shuffle(topics.filter((t) => !t.roleExpectation && !story.risky.has(t.index)))
    .sort((a, b) => score(b) - score(a));
  const openLoad = (p: Person) =>
    taken.filter(
      (m) => m.mentor === p && (m.plan.status === "active" || m.plan.status === "proposed"),
    ).length;
  for (const topic of ranked) {
    for (const mentee of mentees) {
      if (!ratesTopic(story, mentee, c, topic, categories)) continue;
      // (Whoever shows a mentored topic's progress in the open cycle will have rated it.)
      if (plan.improvesIn !== null && plan.improvesIn !== OPEN)
        if (!ratesTopic(story, mentee, plan.improvesIn, topic, categories)) continue;
      if (plan.improvesIn === OPEN && story.stale.has(key(mentee, topic))) continue;
      if (topic.priority[mentee.profile] !== "must_have") continue;
      const baseline = level(mentee, topic);
      if (baseline === null || baseline >= topic.target[mentee.profile]) continue;
      const goal = Math.min(4, baseline + 1);
      const pool =
        plan.mentor === "lead" && lead
          ? [lead]
          : rng.shuffle(people.filter((p) => p.lastCycle === OPEN && p.role !== "admin"));
      const mentor = pool
        .filter(
          (p) => p !== mentee && (level(p, topic) ?? 0) >= Math.max(3, goal) && openLoad(p) < 2,
        )
        .sort((a, b) => Number(b.team === mentee.team) - Number(a.team === mentee.team))[0];
      if (!mentor) continue;
      return { plan, mentor, mentee, topic, baseline, goal };
    }
  }
  return null;
}

/** The self rating a person gives in a cycle. */
export function selfLevel(story: Story, person: Person, topic: Topic, cycle: number) {
  const truth = story.truth[person.index]![topic.index]![cycle] ?? null;
  if (truth === null) return null;
  if (cycle === OPEN && story.disagreements.has(key(person, topic)))
    return truth <= 2 ? truth + 2 : truth - 2;
  return clamp(truth + (story.selfOffset[person.index]![topic.index] ?? 0));
}

export function disagrees(story: Story, person: Person, topic: Topic) {
  return story.disagreements.has(key(person, topic));
}
