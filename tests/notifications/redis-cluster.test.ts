import { Redis } from "ioredis";
import { expect, it } from "vitest";
import { SettlingCluster } from "~/lib/redis.server";
import { startRedisCluster } from "../support/redis-cluster";
import { afterThisTest } from "../support/test-cleanups";
import { outboxFixture, startWorkerProcess, waitFor } from "../support/worker-harness";

// BullMQ on a Redis Cluster (REDIS_CLUSTER=1): the queues' keys share one hash-tagged slot,
// so the master holding it is the one whose loss matters. Losing it mid fan-out loses the
// jobs it held; the outbox queues their messages again (ADR 009), and none goes out twice.

it("three workers on a 3-master Redis Cluster fan out 2,000 reminders; the queues' master is killed mid-run and restarted: every recipient gets exactly one email", async () => {
  const cluster = await startRedisCluster(3);
  afterThisTest(() => cluster.stop());
  const fixture = await outboxFixture("redis", 2000, { redisUrl: cluster.url });
  const env = { ...fixture.env, REDIS_CLUSTER: "1" };
  const prefix = `{${env.GAPMAP_QUEUE_PREFIX}}`;
  for (let i = 0; i < 3; i++) startWorkerProcess(env);

  await waitFor(() => fixture.sink.received.length >= 300, 120_000);
  // Every queue key is in the prefix's slot, on one master: the others hold none of them.
  const queuesMaster = await cluster.masterOf(prefix);
  const keysOn = async (port: number) => {
    const node = new Redis(port, "127.0.0.1");
    try {
      return await node.keys("*");
    } finally {
      node.disconnect();
    }
  };
  for (const port of cluster.ports) {
    const keys = await keysOn(port);
    if (port === queuesMaster)
      expect(keys.filter((k) => k.startsWith(`${prefix}:email:`)).length).toBeGreaterThan(0);
    else expect(keys).toEqual([]);
  }

  await cluster.crash(queuesMaster);
  expect(fixture.sink.received.length).toBeLessThan(fixture.recipients.length);
  // The master stays down for a second (the outage, not a wait for something).
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  await cluster.restart(queuesMaster);

  await fixture.allDeliveredInTime();
  expect(await fixture.deliveryReport()).toEqual({ missing: [], duplicated: [] });
}, 300_000);

// BullMQ restores a worker's blocking connection by awaiting connect(); ioredis's own promise
// never settled when the cluster was down, and the worker stopped fetching jobs for good.
it("a connection opened while the cluster is down is ready, and its connect() settles, once the master is back", async () => {
  const cluster = await startRedisCluster(3);
  afterThisTest(() => cluster.stop());
  const seeds = cluster.ports.map((port) => ({ host: "127.0.0.1", port }));
  const client = new SettlingCluster(seeds, { redisOptions: { maxRetriesPerRequest: null } });
  client.on("error", () => {});
  afterThisTest(async () => client.disconnect());
  await client.set("{gapmap}:probe", "1");

  const master = await cluster.masterOf("{gapmap}");
  await cluster.crash(master);
  await cluster.failed(master);
  const ended = new Promise((resolve) => client.once("end", resolve));
  client.disconnect();
  await ended;
  let outcome = "pending";
  client.connect().then(
    () => (outcome = "resolved"),
    (err: Error) => (outcome = `rejected: ${err.message}`),
  );
  await cluster.restart(master);

  const deadline = Date.now() + 15_000;
  while (outcome === "pending" && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 100));
  expect(outcome, "connect(), 15 s after the master came back").toBe("resolved");
  // Restarted empty, the master now takes writes for its slots again.
  expect(await client.set("{gapmap}:probe", "2")).toBe("OK");
  // BullMQ's blocking connections are duplicates: they must settle too.
  const duplicate = client.duplicate([], { lazyConnect: true });
  expect(duplicate).toBeInstanceOf(SettlingCluster);
  duplicate.disconnect();
}, 60_000);
