// The gap views while a cycle is live: self-assessment saves land across the organisation at
// a steady rate (each save 1–5 topics, as the form posts a category at a time), from many
// members, while leads reload team views (each every 250 ms) and an admin the organisation
// view (every 500 ms). Each view is timed as its readers see it, and the web process's gap
// cache counters (GET /metrics) say how many of its figures were kept and how many computed
// afresh while the saves landed.
import type { Kysely } from "kysely";
import { sql } from "kysely";
import type { Database } from "#db/schema";
import { createSession, sessionCookie } from "~/modules/accounts/sessions.server";
import { Rng } from "#seeds/bulk";
import { nextLevelsForm, postSave } from "./save";
import { latencyStats, type LatencyStats } from "./stats";

export interface LiveCycleResult {
  seconds: number;
  savesPerSecondTarget: number;
  /** Saves that completed, and their rate. */
  saves: LatencyStats & { perSecond: number; ratings: number; failed: number };
  teamView: LatencyStats;
  organizationView: LatencyStats;
  /** Kept gap figures served over all figures asked for, while the saves landed. */
  cacheHitShare: number | null;
  savers: number;
  teamViewers: number;
}

export interface Saver {
  memberId: string;
  cookie: string;
}

/** How often each lead reloads a team view, and an admin the organisation view. */
const TEAM_VIEW_EVERY_MS = 250;
const ORG_VIEW_EVERY_MS = 500;

export const cookieOf = (token: string) => sessionCookie(token).split(";")[0]!;

/** The members who can still save in the open cycle (no submitted assessment), with a session each. */
export async function savers(
  db: Kysely<Database>,
  organizationId: string,
  cycleId: string,
  count: number,
) {
  const rows = await db
    .selectFrom("memberships as m")
    .innerJoin("team_members as tm", "tm.membership_id", "m.id")
    .leftJoin("assessments as a", (join) =>
      join.onRef("a.member_id", "=", "m.id").on("a.cycle_id", "=", cycleId),
    )
    .select(["m.id", "m.user_id"])
    .where("m.organization_id", "=", organizationId)
    .where("m.active", "=", true)
    .where("tm.is_lead", "=", false)
    .where((eb) => eb.or([eb("a.status", "is", null), eb("a.status", "=", "draft")]))
    .orderBy("m.id")
    .limit(count)
    .execute();
  return Promise.all(
    rows.map(async (r): Promise<Saver> => {
      const { token } = await createSession(r.user_id, organizationId);
      return { memberId: r.id, cookie: cookieOf(token) };
    }),
  );
}

/** One lead per team, with a session each, and the team they look at. */
async function teamLeads(db: Kysely<Database>, organizationId: string) {
  const rows = await db
    .selectFrom("team_members as tm")
    .innerJoin("memberships as m", "m.id", "tm.membership_id")
    .select(["tm.team_id", sql<string>`min(m.user_id::text)`.as("user_id")])
    .where("tm.organization_id", "=", organizationId)
    .where("tm.is_lead", "=", true)
    .groupBy("tm.team_id")
    .orderBy("tm.team_id")
    .execute();
  return Promise.all(
    rows.map(async (r) => {
      const { token } = await createSession(r.user_id, organizationId);
      return { teamId: r.team_id, cookie: cookieOf(token) };
    }),
  );
}

/** The web process's gap cache counters, from its Prometheus metrics. */
async function cacheCounters(baseUrl: string, metricsToken: string) {
  const res = await fetch(`${baseUrl}/metrics`, {
    headers: { Authorization: `Bearer ${metricsToken}` },
  });
  const text = await res.text();
  const count = (result: string) => {
    const line = text
      .split("\n")
      .find((l) => l.startsWith(`gapmap_gap_cache_lookups_total{result="${result}"} `));
    if (res.status !== 200 || !line)
      throw new Error(`GET /metrics: HTTP ${res.status}, no gap cache ${result} counter`);
    return Number(line.split(" ").at(-1));
  };
  return { hits: count("hit"), misses: count("miss") };
}

type Counters = Awaited<ReturnType<typeof cacheCounters>>;

/** Kept gap figures served over all figures asked for, between two readings of the counters. */
function hitShare(before: Counters, after: Counters) {
  const hits = after.hits - before.hits;
  const misses = after.misses - before.misses;
  return hits + misses > 0 ? Math.round((hits / (hits + misses)) * 1000) / 1000 : null;
}

async function timedGet(url: string, cookie: string, samples: number[]) {
  const started = performance.now();
  const res = await fetch(url, { headers: { Cookie: cookie } });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`GET ${url}: HTTP ${res.status}`);
  samples.push(performance.now() - started);
}

/** Someone reloading a page on a beat; each reload asks `next` which page, as whom. */
interface Reader {
  everyMs: number;
  next: () => Page;
  samples: number[];
}

type Page = { url: string; cookie: string };

/**
 * Self-assessment saves by `people` at a steady rate for `seconds` (an open loop: each on time,
 * whether or not earlier ones have answered), while `readers` reload their pages on their
 * beats (as people do, not as fast as the server answers, so the pages are timed as a reader
 * meets them, not as a queue behind a saturated server).
 */
async function runLiveLoad(
  db: Kysely<Database>,
  {
    baseUrl,
    topicIds,
    people,
    savesPerSecond,
    seconds,
    readers,
  }: {
    baseUrl: string;
    topicIds: string[];
    people: Saver[];
    savesPerSecond: number;
    seconds: number;
    readers: Reader[];
  },
) {
  const rng = new Rng(20261206);
  const samples: number[] = [];
  let ratings = 0;
  let failed = 0;
  const save = async (who: Saver) => {
    const start = rng.int(0, topicIds.length - 1);
    const count = rng.int(1, 5);
    const topics = Array.from(
      { length: count },
      (_, i) => topicIds[(start + i) % topicIds.length]!,
    );
    const form = await nextLevelsForm(db, who.memberId, topics);
    const started = performance.now();
    const res = await postSave(baseUrl, who.cookie, form);
    await res.arrayBuffer();
    if (res.status === 200) {
      samples.push(performance.now() - started);
      ratings += count;
    } else failed += 1;
  };

  const endAt = performance.now() + seconds * 1000;
  const inFlight = new Set<Promise<void>>();
  // Each save from the next member in turn, so no one saves over their own save in flight.
  const saving = (async () => {
    const every = 1000 / savesPerSecond;
    let next = performance.now();
    let turn = 0;
    while (next < endAt) {
      const p = save(people[turn++ % people.length]!).finally(() => inFlight.delete(p));
      inFlight.add(p);
      next += every;
      await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
    }
    await Promise.all(inFlight);
  })();
  // Each reader's beat starts at its own phase (reader k of n, k/n of its period in): started
  // together, every beat's requests arrived in the same millisecond and queued behind one
  // another, which no group of people reloading pages does.
  const reading = async ({ everyMs, next: page, samples }: Reader, k: number) => {
    let next = performance.now() + (everyMs * k) / readers.length;
    await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
    while (next < endAt) {
      const { url, cookie } = page();
      await timedGet(url, cookie, samples);
      next += everyMs;
      await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
    }
  };
  await Promise.all([saving, ...readers.map((reader, k) => reading(reader, k))]);
  return {
    ...latencyStats(samples),
    perSecond: Math.round((samples.length / seconds) * 10) / 10,
    ratings,
    failed,
  };
}

/** How a live load runs: the saves' rate and length, and how many leads read at once. */
export interface LiveLoadSettings {
  baseUrl: string;
  topicIds: string[];
  savesPerSecond: number;
  seconds: number;
  /** Members who take turns saving. */
  saverCount: number;
  /** Leads each reloading a team view every 250 ms; an admin reloads the organisation view. */
  teamViewers: number;
  metricsToken: string;
}

/**
 * The live load with its readers: `teamViewers` leads on `teamPage()` every 250 ms and an
 * admin on `organizationPage()` every 500 ms, while `people` save; each view timed, and the
 * share of gap figures the web process served from those it kept meanwhile.
 */
export async function gapViewsWhileSaving(
  db: Kysely<Database>,
  settings: LiveLoadSettings,
  people: Saver[],
  teamPage: () => Page,
  organizationPage: () => Page,
) {
  const teamSamples: number[] = [];
  const orgSamples: number[] = [];
  const before = await cacheCounters(settings.baseUrl, settings.metricsToken);
  const saves = await runLiveLoad(db, {
    ...settings,
    people,
    readers: [
      ...Array.from({ length: settings.teamViewers }, () => ({
        everyMs: TEAM_VIEW_EVERY_MS,
        next: teamPage,
        samples: teamSamples,
      })),
      { everyMs: ORG_VIEW_EVERY_MS, next: organizationPage, samples: orgSamples },
    ],
  });
  const after = await cacheCounters(settings.baseUrl, settings.metricsToken);
  return {
    saves,
    teamView: latencyStats(teamSamples),
    organizationView: latencyStats(orgSamples),
    cacheHitShare: hitShare(before, after),
  };
}

export async function measureLiveCycle(
  db: Kysely<Database>,
  {
    organizationId,
    cycleId,
    adminCookie,
    ...settings
  }: LiveLoadSettings & { organizationId: string; cycleId: string; adminCookie: string },
): Promise<LiveCycleResult> {
  const people = await savers(db, organizationId, cycleId, settings.saverCount);
  const leads = await teamLeads(db, organizationId);
  if (!people.length || !leads.length) throw new Error("live cycle: no one to save or to look");
  const { baseUrl } = settings;
  let round = 0;
  const measured = await gapViewsWhileSaving(
    db,
    settings,
    people,
    () => {
      const lead = leads[round++ % leads.length]!;
      return { url: `${baseUrl}/gaps?team=${lead.teamId}`, cookie: lead.cookie };
    },
    () => ({ url: `${baseUrl}/gaps?team=all`, cookie: adminCookie }),
  );
  return {
    ...measured,
    seconds: settings.seconds,
    savesPerSecondTarget: settings.savesPerSecond,
    savers: people.length,
    teamViewers: settings.teamViewers,
  };
}
