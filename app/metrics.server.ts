import { timingSafeEqual } from "node:crypto";
import { getHeapStatistics } from "node:v8";
import type { ServerBuild } from "@remix-run/node";
import { matchRoutes } from "@remix-run/react";
import type { Request, Response } from "express";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, register } from "prom-client";
import { db } from "#db/database";
import { readStats } from "#db/read-replica";
import { QUEUES } from "~/lib/queues.server";
import { env } from "~/lib/env.server";
import { logger } from "~/lib/logger.server";
import { gapCacheStats } from "~/modules/gaps/gap-cache.server";
import { jobCounts } from "~/modules/jobs/queue-dashboard.server";
import { OUTBOX_STATUSES } from "~/modules/notifications/outbox-statuses";

// Prometheus metrics for GET /metrics, served by the web process.
//
// The worker is another process (or several), so the job and email figures are not
// counted in memory where the work happens: they are read at scrape time from durable
// state every process shares — BullMQ's job counts per queue and state, and the outbox
// table's messages per status — and are therefore the same instance-wide totals whichever
// web process is scraped and whichever worker did the work (ADR 010). The job counts are
// gauges: BullMQ keeps only the last 1,000 completed and 5,000 failed jobs per queue.

export const metrics = new Registry();
collectDefaultMetrics({ register: metrics, prefix: "gapmap_" });

// The heap's ceiling beside prom-client's heap figures: how close the process runs to it,
// and whether the web command's cap (docker-entrypoint.sh) is in force.
new Gauge({
  name: "gapmap_nodejs_heap_size_limit_bytes",
  help: "V8's heap size limit (the old generation's cap plus the young generation)",
  registers: [metrics],
  collect() {
    this.set(getHeapStatistics().heap_size_limit);
  },
});

const httpDuration = new Histogram({
  name: "gapmap_http_request_duration_seconds",
  help: "HTTP request duration by method, route pattern and status",
  labelNames: ["method", "route", "status"] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metrics],
});

new Gauge({
  name: "gapmap_queue_jobs",
  help: "Jobs per queue and state (waiting, active and delayed are the depth; completed and failed are those BullMQ retains)",
  labelNames: ["queue", "state"] as const,
  registers: [metrics],
  async collect() {
    this.reset();
    for (const queue of Object.values(QUEUES)) {
      try {
        const counts = await jobCounts(queue);
        for (const [state, n] of Object.entries(counts)) this.set({ queue, state }, n);
      } catch (err) {
        // A queue store that is away leaves its series out rather than failing the scrape.
        logger.warn({ err, queue }, "metrics: queue counts unavailable");
      }
    }
  },
});

new Gauge({
  name: "gapmap_emails",
  help: "Outbox messages of every organisation by status (sent: emails sent)",
  labelNames: ["status"] as const,
  registers: [metrics],
  async collect() {
    const rows = await db
      .selectFrom("notifications")
      .select(["status", (eb) => eb.fn.countAll<string>().as("n")])
      .groupBy("status")
      .execute();
    for (const status of OUTBOX_STATUSES)
      this.set({ status }, Number(rows.find((r) => r.status === status)?.n ?? 0));
  },
});

new Counter({
  name: "gapmap_db_reads_total",
  help: "Database statements of this web process by server (replica: DATABASE_REPLICA_URL; fallback: failed on the replica and run on the primary)",
  labelNames: ["server"] as const,
  registers: [metrics],
  collect() {
    const counts = readStats();
    this.reset();
    this.inc({ server: "replica" }, counts.replica);
    this.inc({ server: "primary" }, counts.primary);
    this.inc({ server: "fallback" }, counts.fallbacks);
  },
});

new Counter({
  name: "gapmap_gap_cache_lookups_total",
  help: "Gap figures asked of this web process: hit (kept figures served), miss (computed afresh)",
  labelNames: ["result"] as const,
  registers: [metrics],
  collect() {
    const { hits, misses } = gapCacheStats();
    this.reset();
    this.inc({ result: "hit" }, hits);
    this.inc({ result: "miss" }, misses);
  },
});

type RouteNode = Parameters<typeof matchRoutes>[0][number] & { children: RouteNode[] };
const routeTrees = new WeakMap<ServerBuild["routes"], RouteNode[]>();

/** The build's flat route manifest as the nested tree `matchRoutes` expects. */
function routeTree(routes: ServerBuild["routes"]): RouteNode[] {
  let tree = routeTrees.get(routes);
  if (tree) return tree;
  const nodes = new Map<string, RouteNode>();
  for (const r of Object.values(routes))
    nodes.set(r.id, { id: r.id, path: r.path, index: r.index, children: [] } as RouteNode);
  tree = [];
  for (const r of Object.values(routes)) {
    const node = nodes.get(r.id) as RouteNode;
    const parent = r.parentId ? nodes.get(r.parentId) : undefined;
    (parent ? parent.children : tree).push(node);
  }
  routeTrees.set(routes, tree);
  return tree;
}

/**
 * The route pattern a path is served by ("/gaps/members/:memberId/validate"), so the
 * histogram has one series per route rather than per id; a path no page matches is
 * "unmatched". Single-fetch data requests (`/gaps.data`) count as their page.
 */
export function routePattern(build: ServerBuild, pathname: string): string {
  let recent = recentPatterns.get(build.routes);
  if (!recent) recentPatterns.set(build.routes, (recent = new Map()));
  let pattern = recent.get(pathname);
  if (pattern === undefined) {
    pattern = matchPattern(routeTree(build.routes), pathname);
    if (recent.size >= RECENT_PATHS) recent.delete(recent.keys().next().value as string);
    recent.set(pathname, pattern);
  }
  return pattern;
}

// Matching ranks every route of the app afresh (about 4 % of a page request's CPU), while
// most requests are for a few paths: the patterns of recently served paths are kept.
const RECENT_PATHS = 1000;
const recentPatterns = new WeakMap<ServerBuild["routes"], Map<string, string>>();

function matchPattern(tree: RouteNode[], pathname: string) {
  const path = pathname === "/_root.data" ? "/" : pathname.replace(/\.data$/, "");
  const matches = matchRoutes(tree, path);
  // The catch-all route answers every unknown address with a 404: that is no route of ours.
  if (!matches || matches.at(-1)?.route.id === "routes/$") return "unmatched";
  const segments = matches.map((m) => m.route.path).filter(Boolean);
  return `/${segments.join("/")}`.replace(/\/+/g, "/");
}

export function observeRequest(
  labels: { method: string; route: string; status: number },
  seconds: number,
) {
  httpDuration.observe({ ...labels, status: String(labels.status) }, seconds);
}

function tokenMatches(given: string, expected: string) {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** GET /metrics: Prometheus text; with METRICS_TOKEN set, only for `Authorization: Bearer <it>`. */
export async function metricsHandler(req: Request, res: Response) {
  const token = env().METRICS_TOKEN;
  if (token && !tokenMatches(req.get("authorization") ?? "", `Bearer ${token}`)) {
    res
      .status(401)
      .set("WWW-Authenticate", 'Bearer realm="metrics"')
      .type("text/plain")
      .send("Unauthorized");
    return;
  }
  try {
    // prom-client's shared registry holds what the Remix bundle's copy of a module counts
    // (passwords.server.ts); `metrics` is this copy's own.
    const all = Registry.merge([metrics, register]);
    res.type(all.contentType).send(await all.metrics());
  } catch (err) {
    logger.error({ err, requestId: res.locals.requestId }, "metrics: scrape failed");
    res.status(500).type("text/plain").send("Metrics unavailable");
  }
}
