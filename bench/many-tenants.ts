// Many tenants on one installation: `organizations` small organisations (5–60 people each, one
// open cycle) loaded beside the large one, then, on a web process started afresh, the large
// organisation's cycle live (saves at a steady rate) while leads and admins of small
// organisations, each request a random one, reload their team and organisation views. Measured:
// the small organisations' views (the noisy neighbour's effect), the large one's saves, the
// share of gap figures served from those kept, how often a statement waited on a lock, and the
// web process's memory.
import { sql, type Kysely } from "kysely";
import type { Database } from "#db/schema";
import { analyzeAfterBulkLoad, Rng } from "#seeds/bulk";
import { createSession } from "~/modules/accounts/sessions.server";
import { generateDataset, hashBenchPassword } from "./dataset";
import { measureAfterEach, watchMemory, type MemoryWatched } from "./http";
import { gapViewsWhileSaving, savers, cookieOf, type LiveLoadSettings } from "./live-cycle";
import type { LatencyStats } from "./stats";

export interface TenantsSize {
  organizations: number;
  minPeople: number;
  maxPeople: number;
}

export interface TenantsLoad {
  organizations: number;
  members: number;
  ratings: number;
  seconds: number;
}

/** With the web process's memory while the load ran. */
export interface ManyTenantsResult extends MemoryWatched {
  load: TenantsLoad;
  seconds: number;
  savesPerSecondTarget: number;
  /** The large organisation's saves while the small ones are read. */
  saves: LatencyStats & { perSecond: number; ratings: number; failed: number };
  smallTeamView: LatencyStats;
  smallOrganizationView: LatencyStats;
  /** Small organisations whose views were read (each request a random one of them). */
  organizationsRead: number;
  cacheHitShare: number | null;
  /** Samples of pg_stat_activity (every 100 ms): how often a statement waited on a lock. */
  lockWaits: { samples: number; withWaiter: number; maxWaiting: number };
  /**
   * The large organisation's own views among the small ones, each after a change (computed
   * afresh), before the load: its plans must not be sized for the average organisation.
   */
  large: { teamViewAfterChange: LatencyStats; organizationViewAfterChange: LatencyStats };
}

/** The large organisation's views, as its lead and admin ask for them, and how many times. */
export interface LargeViews {
  teamUrl: string;
  organizationUrl: string;
  leadCookie: string;
  adminCookie: string;
  teamRequests: number;
  organizationRequests: number;
  /** Marks the organisation's data changed, so the next view computes its figures afresh. */
  changed: () => Promise<unknown>;
}

/** Loads the small organisations, each with a seed of its own (the same size, the same rows). */
export async function loadTenants(
  db: Kysely<Database>,
  size: TenantsSize,
  log: (message: string) => void,
): Promise<TenantsLoad> {
  const started = performance.now();
  const rng = new Rng(20261207);
  const passwordHash = await hashBenchPassword();
  let members = 0;
  let ratings = 0;
  for (let i = 1; i <= size.organizations; i++) {
    const people = rng.int(size.minPeople, size.maxPeople);
    const data = await generateDataset(
      db,
      {
        members: people,
        teams: Math.max(1, Math.round(people / 8)),
        cycles: 1,
        mentorships: Math.floor(people / 4),
      },
      {
        seed: 20261207 + i,
        name: `Tenant ${String(i).padStart(4, "0")}`,
        emailDomain: `tenant-${i}.bench.gapmap.test`,
        passwordHash,
        analyze: false,
      },
    );
    members += data.counts.members ?? 0;
    ratings += data.counts.ratings ?? 0;
    // Each doubling of the organisations, fresh statistics: planned for the few rows of the
    // first ones, the foreign-key checks of every insert would scan the frameworks' tables.
    if ((i & (i - 1)) === 0) await analyzeAfterBulkLoad(db);
    if (i % 100 === 0 || i === size.organizations)
      log(`  ${i} organisations, ${members} members, ${ratings} ratings`);
  }
  await analyzeAfterBulkLoad(db, { vacuum: true });
  return {
    organizations: size.organizations,
    members,
    ratings,
    seconds: Math.round(performance.now() - started) / 1000,
  };
}

/** Every small organisation's admin and one lead of one of its teams, each with a session. */
async function smallOrganizationReaders(db: Kysely<Database>, largeOrganizationId: string) {
  const rows = await db
    .selectFrom("memberships as m")
    .innerJoin("organizations as o", "o.id", "m.organization_id")
    .leftJoin("team_members as tm", (join) =>
      join.onRef("tm.membership_id", "=", "m.id").on("tm.is_lead", "=", true),
    )
    .select(["m.organization_id", "m.user_id", "m.role", "tm.team_id"])
    .where("m.organization_id", "!=", largeOrganizationId)
    .where((eb) => eb.or([eb("m.role", "=", "admin"), eb("tm.team_id", "is not", null)]))
    .orderBy("m.organization_id")
    .orderBy("m.id")
    .execute();
  const byOrganization = new Map<string, { admin?: string; lead?: string; teamId?: string }>();
  for (const r of rows) {
    const o = byOrganization.get(r.organization_id) ?? {};
    if (r.role === "admin") o.admin ??= r.user_id;
    else if (r.team_id && !o.lead) Object.assign(o, { lead: r.user_id, teamId: r.team_id });
    byOrganization.set(r.organization_id, o);
  }
  const session = async (userId: string, organizationId: string) =>
    cookieOf((await createSession(userId, organizationId)).token);
  const readers = [];
  for (const [organizationId, o] of byOrganization) {
    if (!o.admin || !o.lead || !o.teamId) continue;
    readers.push({
      teamId: o.teamId,
      leadCookie: await session(o.lead, organizationId),
      adminCookie: await session(o.admin, organizationId),
    });
  }
  return readers;
}

/** Samples how many statements of this database wait on a lock, every 100 ms. */
function watchLockWaits(db: Kysely<Database>) {
  const waits = { samples: 0, withWaiter: 0, maxWaiting: 0 };
  let stopped = false;
  const sampling = (async () => {
    while (!stopped) {
      const { rows } = await sql<{ waiting: number }>`
        SELECT count(*)::int AS waiting FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(db);
      const waiting = rows[0]?.waiting ?? 0;
      waits.samples += 1;
      if (waiting > 0) waits.withWaiter += 1;
      waits.maxWaiting = Math.max(waits.maxWaiting, waiting);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return async () => {
    stopped = true;
    await sampling;
    return waits;
  };
}

export async function measureManyTenants(
  db: Kysely<Database>,
  {
    pid,
    load,
    largeOrganizationId,
    openCycleId,
    largeViews,
    ...settings
  }: LiveLoadSettings & {
    /** The web process, whose memory is watched. */
    pid: number;
    load: TenantsLoad;
    largeOrganizationId: string;
    openCycleId: string;
    largeViews: LargeViews;
  },
): Promise<ManyTenantsResult> {
  const { changed } = largeViews;
  const large = {
    teamViewAfterChange: await measureAfterEach(
      largeViews.teamUrl,
      largeViews.leadCookie,
      largeViews.teamRequests,
      changed,
    ),
    organizationViewAfterChange: await measureAfterEach(
      largeViews.organizationUrl,
      largeViews.adminCookie,
      largeViews.organizationRequests,
      changed,
    ),
  };
  const people = await savers(db, largeOrganizationId, openCycleId, settings.saverCount);
  const small = await smallOrganizationReaders(db, largeOrganizationId);
  if (!people.length || !small.length) throw new Error("many tenants: no one to save or to look");
  const { baseUrl } = settings;
  const rng = new Rng(20261208);
  const stopWatchingMemory = watchMemory([pid]);
  const stopWatchingLocks = watchLockWaits(db);
  let measured: Awaited<ReturnType<typeof gapViewsWhileSaving>>;
  let memory: MemoryWatched;
  let lockWaits: ManyTenantsResult["lockWaits"];
  try {
    measured = await gapViewsWhileSaving(
      db,
      settings,
      people,
      () => {
        const o = rng.pick(small);
        return { url: `${baseUrl}/gaps?team=${o.teamId}`, cookie: o.leadCookie };
      },
      () => ({ url: `${baseUrl}/gaps?team=all`, cookie: rng.pick(small).adminCookie }),
    );
  } finally {
    memory = stopWatchingMemory();
    lockWaits = await stopWatchingLocks();
  }
  return {
    load,
    seconds: settings.seconds,
    savesPerSecondTarget: settings.savesPerSecond,
    saves: measured.saves,
    smallTeamView: measured.teamView,
    smallOrganizationView: measured.organizationView,
    organizationsRead: small.length,
    cacheHitShare: measured.cacheHitShare,
    lockWaits,
    large,
    ...memory,
  };
}
