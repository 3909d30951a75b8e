// One benchmark run, start to end: its own database with the large data set, the production
// build of the web process against it, the measurements, the fan-out on each backend, the
// goals, results.json. Everything it starts it stops; its databases are dropped unless kept.
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { sql } from "kysely";
import { db as appDb } from "#db/database";
import { startEmbeddedPostgres, stopEmbeddedPostgres } from "#db/provision";
import { loader as appLoader } from "~/routes/_app";
import { loader as gapsLayoutLoader } from "~/routes/_app.gaps";
import { loader as gapsOverviewLoader } from "~/routes/_app.gaps._index";
import { loader as heatmapLoader } from "~/routes/_app.gaps.heatmap";
import { startAppServer, type AppServer } from "../tests/support/app-server";
import { createIsolatedDatabase } from "../tests/support/isolated-database";
import { generateDataset } from "./dataset";
import { measureFanout } from "./fanout";
import { measureLiveCycle, type LiveLoadSettings } from "./live-cycle";
import { loadTenants, measureManyTenants } from "./many-tenants";
import {
  checkPage,
  logIn,
  measureAfterEach,
  measureLatency,
  pageBytes,
  sustainedLoad,
} from "./http";
import type { BenchOptions } from "./options";
import { pageStatements, replay } from "./raw-sql";
import { measureReports } from "./report";
import { evaluateGoals, formatResults, type BenchResults, type PageMeasurement } from "./results";
import { measureSaves } from "./save";

/** How the Docker image starts the web process. */
const WEB_COMMAND: [string, ...string[]] = ["./docker-entrypoint.sh", "web"];

function watchLoad() {
  const first = os.loadavg()[0] ?? 0;
  let max = first;
  const timer = setInterval(() => (max = Math.max(max, os.loadavg()[0] ?? 0)), 5_000);
  timer.unref();
  return () => {
    clearInterval(timer);
    const end = os.loadavg()[0] ?? 0;
    const r = (n: number) => Math.round(n * 100) / 100;
    return { start: r(first), max: r(Math.max(max, end)), end: r(end) };
  };
}

async function redisVersion(url: string) {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    return /redis_version:(\S+)/.exec(await redis.info("server"))?.[1] ?? "?";
  } catch {
    return "unreachable";
  } finally {
    redis.disconnect();
  }
}

export async function runBench(
  options: BenchOptions,
  log: (message: string) => void = console.log,
) {
  const startedAt = new Date();
  const stopWatching = watchLoad();
  const configured = process.env.DATABASE_URL?.trim();
  const serverUrl = configured || (await startEmbeddedPostgres());
  const secret = process.env.SESSION_SECRET ?? randomBytes(32).toString("hex");
  process.env.SESSION_SECRET = secret;
  process.env.METRICS_TOKEN ??= randomBytes(16).toString("hex");
  process.env.ENCRYPTION_KEY ??= randomBytes(32).toString("hex");
  process.env.APP_URL ??= "http://127.0.0.1:3000";

  const bench = await createIsolatedDatabase({ prefix: "gapmap_bench", serverUrl });
  log(`database ${bench.name} on ${new URL(serverUrl).host}`);
  // The app's modules run in this process too (the raw floor's loaders, report generation).
  process.env.DATABASE_URL = bench.url;
  let app: AppServer | undefined;
  // The web process as the Docker image starts it (its default heap limit included).
  const webEnv = {
    DATABASE_URL: bench.url,
    SESSION_SECRET: secret,
    ENCRYPTION_KEY: process.env.ENCRYPTION_KEY,
    LOG_LEVEL: "warn",
    NODE_OPTIONS: "",
  };
  try {
    log(
      `generating the data set: ${options.dataset.members} members in ${options.dataset.teams} teams, ${options.dataset.cycles} cycles, ${options.dataset.mentorships} mentorships`,
    );
    const data = await generateDataset(bench.db, options.dataset);
    log(`  loaded in ${data.seconds} s: ${JSON.stringify(data.counts)}`);
    const postgres = (
      await sql<{ v: string }>`SELECT current_setting('server_version') AS v`.execute(bench.db)
    ).rows[0]?.v;

    log("starting the web process (production build, as the Docker image's web command)");
    app = await startAppServer(webEnv, { command: WEB_COMMAND });
    const [lead, admin, engineer] = await Promise.all(
      [data.lead, data.admin, data.engineer].map((who) =>
        logIn(app!.url, who.email, data.password),
      ),
    );
    const teamMembers = data.teams[0]?.members ?? 0;
    const allMembers = data.counts.members ?? 0;
    const teamPath = `/gaps?team=${data.lead.teamId}`;
    const orgPath = "/gaps?team=all";
    const heatmapPath = `/gaps/heatmap?team=${data.lead.teamId}`;

    const page = async (
      name: string,
      pathAndQuery: string,
      cookie: string,
      members: number,
      loaders: Parameters<typeof pageStatements>[2],
      requests: number,
      expect: RegExp,
    ): Promise<PageMeasurement> => {
      log(`${name}: raw SQL floor, then ${requests} requests one at a time`);
      await checkPage(app!.url, pathAndQuery, cookie, expect);
      const statements = await pageStatements(`${app!.url}${pathAndQuery}`, cookie, loaders);
      const raw = await replay(bench.url, statements, options.rawIterations);
      const http = await measureLatency(
        `${app!.url}${pathAndQuery}`,
        cookie,
        requests,
        options.warmup,
      );
      if (http.non2xx || http.errors)
        throw new Error(`${name}: ${http.non2xx} non-2xx, ${http.errors} errors`);
      const bytes = await pageBytes(app!.url, pathAndQuery, cookie);
      log(
        `  HTTP p50/p95/p99 ${http.p50}/${http.p95}/${http.p99} ms; raw SQL p50/p95 ${raw.p50}/${raw.p95} ms; HTML ${bytes.raw} B (gzip ${bytes.gzip} B, br ${bytes.br} B)`,
      );
      return {
        path: pathAndQuery,
        members,
        http,
        raw,
        bytes,
        ratio: Math.round((http.p95 / raw.p95) * 100) / 100,
      };
    };
    const overview = [appLoader, gapsLayoutLoader, gapsOverviewLoader];
    const peopleInView = (n: number) => new RegExp(`People in view</div><strong>${n}<`);
    const team = await page(
      "team gap view",
      teamPath,
      lead!,
      teamMembers,
      overview,
      options.teamRequests,
      peopleInView(teamMembers),
    );
    log("team gap view after a change each time (its figures computed afresh)");
    const changed = () =>
      sql`UPDATE gap_data_versions SET version = version + 1
        WHERE organization_id = ${data.organizationId}`.execute(bench.db);
    const teamAfterChange = await measureAfterEach(
      `${app.url}${teamPath}`,
      lead!,
      Math.max(1, Math.round(options.teamRequests / 3)),
      changed,
    );
    log(`  HTTP p50/p95 ${teamAfterChange.p50}/${teamAfterChange.p95} ms`);
    // Right after the team view, on a web process that has served nothing heavier: its peak
    // memory is the team view's.
    log(
      `sustained load: team view, ${options.sustain.connections} connections for ${options.sustain.seconds} s`,
    );
    const sustained = await sustainedLoad([`${app.url}${teamPath}`], lead!, {
      ...options.sustain,
      pids: [app.pid],
    });
    log(
      `  ${sustained.requestsPerSecond} req/s, p99 ${sustained.p99} ms, RSS high-water ${sustained.rssHighWaterMb} MB`,
    );
    // The web tier is stateless: a second process on the second core, the same load spread
    // over both (for the record; the goals are judged on one process).
    log("sustained load again, spread over two web processes");
    const second = await startAppServer(webEnv, { command: WEB_COMMAND });
    let sustainedTwoProcesses;
    try {
      await checkPage(second.url, teamPath, lead!, /People in view/);
      sustainedTwoProcesses = await sustainedLoad(
        [`${app.url}${teamPath}`, `${second.url}${teamPath}`],
        lead!,
        { ...options.sustain, pids: [app.pid, second.pid] },
      );
    } finally {
      await second.stop();
    }
    log(`  ${sustainedTwoProcesses.requestsPerSecond} req/s, p99 ${sustainedTwoProcesses.p99} ms`);

    const organization = await page(
      "organisation gap view",
      orgPath,
      admin!,
      allMembers,
      overview,
      options.orgRequests,
      peopleInView(allMembers),
    );
    log("organisation gap view after a change each time (its figures computed afresh)");
    const organizationAfterChange = await measureAfterEach(
      `${app.url}${orgPath}`,
      admin!,
      Math.max(1, Math.round(options.orgRequests / 3)),
      changed,
    );
    log(`  HTTP p50/p95 ${organizationAfterChange.p50}/${organizationAfterChange.p95} ms`);
    const teamHeatmap = await page(
      "team heatmap",
      heatmapPath,
      lead!,
      teamMembers,
      [appLoader, gapsLayoutLoader, heatmapLoader],
      options.teamRequests,
      new RegExp(`of ${teamMembers} (people|members)|${teamMembers}`),
    );

    log(
      `live cycle: ${options.live.savesPerSecond} saves/s across the organisation for ${options.live.seconds} s, ${options.live.teamViewers} leads and an admin reading the gap views`,
    );
    // The large organisation's live cycle, as both scenarios run it against a web process.
    const liveLoad = (baseUrl: string): LiveLoadSettings => ({
      baseUrl,
      topicIds: data.skillTopicIds,
      savesPerSecond: options.live.savesPerSecond,
      seconds: options.live.seconds,
      saverCount: options.live.savers,
      teamViewers: options.live.teamViewers,
      metricsToken: process.env.METRICS_TOKEN!,
    });
    const live = await measureLiveCycle(bench.db, {
      ...liveLoad(app.url),
      organizationId: data.organizationId,
      cycleId: data.openCycleId,
      adminCookie: admin!,
    });
    log(
      `  saves p50/p95 ${live.saves.p50}/${live.saves.p95} ms (${live.saves.perSecond}/s); team view p50/p95 ${live.teamView.p50}/${live.teamView.p95} ms; organisation view p50/p95 ${live.organizationView.p50}/${live.organizationView.p95} ms; kept figures ${live.cacheHitShare === null ? "?" : `${Math.round(live.cacheHitShare * 100)} %`}`,
    );

    log(`self-assessment: ${options.saves} saves of ${data.skillTopicIds.length} ratings`);
    const save = await measureSaves(bench.db, {
      baseUrl: app.url,
      cookie: engineer!,
      memberId: data.engineer.memberId,
      topicIds: data.skillTopicIds,
      saves: options.saves,
    });
    log(`  p50/p95 ${save.p50}/${save.p95} ms`);
    await app.stop();
    app = undefined;

    let manyTenants: BenchResults["manyTenants"] = null;
    if (options.tenants.organizations > 0) {
      log(
        `many tenants: loading ${options.tenants.organizations} organisations of ${options.tenants.minPeople}–${options.tenants.maxPeople} people beside the large one`,
      );
      const load = await loadTenants(bench.db, options.tenants, log);
      log(`  loaded in ${load.seconds} s`);
      log(
        `many tenants: the large organisation saving at ${options.live.savesPerSecond}/s for ${options.live.seconds} s while small organisations' views are read, on a web process started afresh`,
      );
      app = await startAppServer(webEnv, { command: WEB_COMMAND });
      manyTenants = await measureManyTenants(bench.db, {
        ...liveLoad(app.url),
        pid: app.pid,
        load,
        largeOrganizationId: data.organizationId,
        openCycleId: data.openCycleId,
        largeViews: {
          teamUrl: `${app.url}${teamPath}`,
          organizationUrl: `${app.url}${orgPath}`,
          leadCookie: lead!,
          adminCookie: admin!,
          teamRequests: Math.max(1, Math.round(options.teamRequests / 3)),
          organizationRequests: Math.max(1, Math.round(options.orgRequests / 3)),
          changed,
        },
      });
      await app.stop();
      app = undefined;
      const t = manyTenants;
      log(
        `  large organisation's views after a change p95: team ${t.large.teamViewAfterChange.p95} ms, organisation ${t.large.organizationViewAfterChange.p95} ms`,
      );
      log(
        `  small team view p50/p95 ${t.smallTeamView.p50}/${t.smallTeamView.p95} ms; small organisation view p50/p95 ${t.smallOrganizationView.p50}/${t.smallOrganizationView.p95} ms; large saves p95 ${t.saves.p95} ms; kept figures ${t.cacheHitShare === null ? "?" : `${Math.round(t.cacheHitShare * 100)} %`}; lock waits in ${t.lockWaits.withWaiter} of ${t.lockWaits.samples} samples; RSS ${t.rssPeakDuringMb} MB`,
      );
    }

    log(`reports: ${options.reportRuns} × organisation, ${options.reportRuns} × team`);
    const reports = await measureReports({
      organizationId: data.organizationId,
      cycleId: data.reportCycleId,
      teamId: data.lead.teamId,
      runs: options.reportRuns,
    });
    log(
      `  organisation p50 ${Math.round(reports.organization.p50)} ms, team p50 ${Math.round(reports.team.p50)} ms`,
    );

    const fanout: BenchResults["fanout"] = {};
    for (const backend of options.backends) {
      log(`fan-out on ${backend}: ${options.fanoutMembers} members`);
      fanout[backend] = await measureFanout(backend, {
        members: options.fanoutMembers,
        serverUrl,
        redisUrl: options.redisUrl,
        dispatchEveryMs: options.dispatchEveryMs,
        timeoutMs: options.fanoutTimeoutMs,
        keepDatabase: options.keepDatabase,
        log,
      });
    }

    const measured = {
      dataset: { seconds: data.seconds, phases: data.phases, counts: data.counts },
      views: { team, teamAfterChange, organization, organizationAfterChange, teamHeatmap },
      live,
      manyTenants,
      sustained: { ...sustained, path: teamPath },
      sustainedTwoProcesses,
      save,
      reports,
      fanout,
    };
    const results: BenchResults = {
      meta: {
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        size: options.sizeName,
        machine: {
          cpus: os.cpus().length,
          cpuModel: os.cpus()[0]?.model.trim() ?? "?",
          memoryGb: Math.round(os.totalmem() / 2 ** 30),
          node: process.version,
          postgres: `PostgreSQL ${postgres ?? "?"}`,
          redis: await redisVersion(options.redisUrl),
        },
        load: stopWatching(),
        options: {
          ...options,
          database: options.keepDatabase ? bench.name : undefined,
        },
      },
      ...measured,
      goals: evaluateGoals(measured, options.fanoutMembers),
    };
    mkdirSync(path.dirname(path.resolve(options.out)), { recursive: true });
    writeFileSync(options.out, `${JSON.stringify(results, null, 2)}\n`);
    log("");
    log(formatResults(results));
    log("");
    log(
      `results written to ${options.out}${options.keepDatabase ? `; database ${bench.name} kept` : ""}`,
    );
    return results;
  } finally {
    await app?.stop();
    await appDb.destroy();
    if (options.keepDatabase) await bench.db.destroy();
    else await bench.drop();
    if (configured) process.env.DATABASE_URL = configured;
    else delete process.env.DATABASE_URL;
    if (!configured) await stopEmbeddedPostgres();
  }
}
