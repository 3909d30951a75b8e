import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { generateToken, hashToken } from "~/modules/accounts/sessions.server";
import { startAppServer, type AppServer } from "../support/app-server";
import { startStreamingPair, type StreamingPair } from "../support/streaming-replica";

// DATABASE_REPLICA_URL on a real streaming replica (pg_basebackup from a primary of the
// test's own): GET requests read there while it is current, and a change is seen at once
// by whoever reads after it, by its writer and by everyone else, even while the replica
// lags behind.

const METRICS_TOKEN = "replica-test-metrics-token";
let pair: StreamingPair;
let app: AppServer;
let primary: pg.Client;

beforeAll(async () => {
  pair = await startStreamingPair();
  primary = new pg.Client({ connectionString: pair.primaryUrl("postgres") });
  await primary.connect();
  await primary.query("CREATE DATABASE gapmap");
  await primary.end();
  primary = new pg.Client({ connectionString: pair.primaryUrl("gapmap") });
  await primary.connect();
  app = await startAppServer(
    {
      DATABASE_URL: pair.primaryUrl("gapmap"),
      DATABASE_REPLICA_URL: pair.replicaUrl("gapmap"),
      GAPMAP_REPLICA_STICKY_MS: "1500",
      METRICS_TOKEN,
    },
    { args: ["--demo"] },
  );
}, 240_000);

afterAll(async () => {
  await app?.stop();
  await primary?.end();
  await pair?.stop();
});

/** A read-write API token of the demo organisation, in its admin's name. */
async function apiToken() {
  const secret = `gapmap_${generateToken()}`;
  await primary.query(
    `INSERT INTO api_tokens (organization_id, name, token_hash, scope, created_by_user_id)
     SELECT m.organization_id, $1, $2, 'read_write', u.id
     FROM users u JOIN memberships m ON m.user_id = u.id
     WHERE u.email = 'admin@demo.gapmap.test'`,
    [`replica test ${secret.slice(-6)}`, hashToken(secret)],
  );
  return secret;
}

async function call(token: string, pathname: string, body?: unknown) {
  const res = await fetch(`${app.url}/api/v1${pathname}`, {
    method: body ? "POST" : "GET",
    headers: {
      authorization: `Bearer ${token}`,
      ...(body ? { "content-type": "application/json" } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json() };
}

/** Statements this web process has run on the replica so far. */
async function replicaReads() {
  const res = await fetch(`${app.url}/metrics`, {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  });
  const text = await res.text();
  return Number(/^gapmap_db_reads_total\{server="replica"\} (\d+)/m.exec(text)?.[1] ?? NaN);
}

it("reads a GET from the replica while it is current, and every read after a write sees the write, with the replica paused", async () => {
  const [writer, reader] = [await apiToken(), await apiToken()];
  // A member with a draft in the open cycle, and one of their self ratings to change.
  const {
    rows: [target],
  } = await primary.query<{
    member_id: string;
    topic_id: string;
    rating_id: string;
    level: number;
  }>(
    `SELECT a.member_id, cl.topic_id, cl.self_rating_id AS rating_id, cl.self_level AS level
     FROM assessments a
     JOIN cycles c ON c.id = a.cycle_id AND c.status = 'open'
     JOIN current_levels cl ON cl.member_id = a.member_id AND cl.self_rating_id IS NOT NULL
     JOIN topic_revisions tr ON tr.topic_id = cl.topic_id
       AND tr.framework_version_id = c.framework_version_id AND NOT tr.retired
     WHERE a.status = 'draft'
     ORDER BY a.member_id, cl.topic_id
     LIMIT 1`,
  );
  expect(target).toBeDefined();
  const { member_id: memberId, topic_id: topicId } = target!;
  const listing = `/ratings?member=${memberId}&topic=${topicId}&source=self`;
  const levelSeenBy = async (token: string) => {
    const { status, body } = await call(token, listing);
    expect(status).toBe(200);
    return body.data[0]?.level as number | "na";
  };

  // Current replica, no recent write: the reads go there (a token's first use writes its
  // last-used time, which keeps that one request on the primary).
  await pair.caughtUp();
  await levelSeenBy(reader);
  let before = await replicaReads();
  expect(await levelSeenBy(reader)).toBe(target!.level);
  let after = await replicaReads();
  expect(after).toBeGreaterThan(before);

  // The replica stops applying changes; the writer changes the level on the primary.
  await levelSeenBy(writer);
  await pair.pauseReplay();
  const newLevel = (target!.level + 1) % 5;
  const saved = await call(writer, "/ratings/self", {
    memberId,
    ratings: [{ topicId, level: newLevel, baseRatingId: Number(target!.rating_id) }],
  });
  expect(saved.status).toBe(200);
  expect(saved.body.conflicts).toEqual([]);
  const replica = new pg.Client({ connectionString: pair.replicaUrl("gapmap") });
  await replica.connect();
  try {
    const stale = await replica.query(
      "SELECT self_level FROM current_levels WHERE member_id = $1 AND topic_id = $2",
      [memberId, topicId],
    );
    expect(stale.rows[0]?.self_level).toBe(target!.level);
  } finally {
    await replica.end();
  }

  // The writer (within its sticky time) and another client (the replica is behind the
  // organisation's change) both read the new level, from the primary.
  before = await replicaReads();
  expect(await levelSeenBy(writer)).toBe(newLevel);
  expect(await levelSeenBy(reader)).toBe(newLevel);
  after = await replicaReads();
  expect(after).toBe(before);

  // Caught up again, and past the writer's sticky time: back on the replica.
  await pair.resumeReplay();
  await pair.caughtUp();
  await new Promise((resolve) => setTimeout(resolve, 1_600));
  before = await replicaReads();
  expect(await levelSeenBy(writer)).toBe(newLevel);
  expect(await levelSeenBy(reader)).toBe(newLevel);
  expect(await replicaReads()).toBeGreaterThan(before);
}, 180_000);

it("tells a browser that wrote to read from the primary for the sticky time", async () => {
  const res = await fetch(`${app.url}/login`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: app.url },
    body: "email=nobody%40example.test&password=wrong-password",
    redirect: "manual",
  });
  expect(res.headers.get("set-cookie")).toMatch(/gapmap_wrote=1; Max-Age=1;.*HttpOnly/);
});
