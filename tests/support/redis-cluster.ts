import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "./free-port";

const run = promisify(execFile);

export interface RedisCluster {
  /** Every master's URL, comma-separated: REDIS_URL's form with REDIS_CLUSTER=1. */
  url: string;
  ports: number[];
  /** The port of the master that holds `key`'s slot. */
  masterOf(key: string): Promise<number>;
  /** Kills one master outright; with no persistence, everything it held is gone. */
  crash(port: number): Promise<void>;
  /** Starts a crashed master again, empty, with its own slots (its nodes.conf is kept). */
  restart(port: number): Promise<void>;
  /** Waits until every master reports the cluster whole. */
  healthy(): Promise<void>;
  /** Waits until the other masters have marked crashed `port` failed: the cluster is down. */
  failed(port: number): Promise<void>;
  stop(): Promise<void>;
}

async function cli(port: number, ...args: string[]) {
  const { stdout } = await run("redis-cli", ["-p", String(port), ...args]);
  return stdout.trim();
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`redis cluster: ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A Redis Cluster of `masters` `redis-server` processes on loopback (the machine's own
 * binaries, created with `redis-cli --cluster create`), each in a directory of its own.
 */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const root = mkdtempSync(path.join(tmpdir(), "gapmap-redis-cluster-"));
  const nodes = new Map<number, { dir: string; busPort: number; child?: ChildProcess }>();
  for (let i = 0; i < masters; i++) {
    const [port, busPort] = [await freePort(), await freePort()];
    nodes.set(port, { dir: path.join(root, String(port)), busPort });
  }

  async function start(port: number) {
    const node = nodes.get(port)!;
    rmSync(path.join(node.dir, "dump.rdb"), { force: true });
    await run("mkdir", ["-p", node.dir]);
    node.child = spawn(
      "redis-server",
      [
        "--port",
        String(port),
        "--cluster-port",
        String(node.busPort),
        "--bind",
        "127.0.0.1",
        "--cluster-enabled",
        "yes",
        "--cluster-node-timeout",
        "2000",
        "--dir",
        node.dir,
        "--save",
        "",
        "--appendonly",
        "no",
      ],
      { stdio: "ignore" },
    );
    await until(`port ${port} answering`, async () => (await cli(port, "ping")) === "PONG");
  }

  async function crash(port: number) {
    const child = nodes.get(port)?.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }

  async function healthy() {
    for (const port of nodes.keys())
      await until(`port ${port} reporting cluster_state:ok`, async () =>
        (await cli(port, "cluster", "info")).includes("cluster_state:ok"),
      );
  }

  for (const port of nodes.keys()) await start(port);
  await run("redis-cli", [
    "--cluster",
    "create",
    ...[...nodes.keys()].map((port) => `127.0.0.1:${port}`),
    "--cluster-replicas",
    "0",
    "--cluster-yes",
  ]);
  await healthy();

  return {
    url: [...nodes.keys()].map((port) => `redis://127.0.0.1:${port}`).join(","),
    ports: [...nodes.keys()],
    async masterOf(key) {
      const first = [...nodes.keys()][0]!;
      const slot = Number(await cli(first, "cluster", "keyslot", key));
      // CLUSTER NODES: "<id> <host:port@bus> <flags> <master> … <state> <slot ranges…>"
      for (const line of (await cli(first, "cluster", "nodes")).split("\n")) {
        const fields = line.split(" ");
        if (!fields[2]?.includes("master")) continue;
        const port = Number(fields[1]!.split("@")[0]!.split(":").pop());
        for (const range of fields.slice(8)) {
          const [from, to = from] = range.split("-").map(Number);
          if (slot >= from! && slot <= to!) return port;
        }
      }
      throw new Error(`no master holds slot ${slot}`);
    },
    crash,
    async failed(port) {
      for (const other of nodes.keys())
        if (other !== port)
          await until(`port ${other} reporting cluster_state:fail`, async () =>
            (await cli(other, "cluster", "info")).includes("cluster_state:fail"),
          );
    },
    async restart(port) {
      await start(port);
      await healthy();
    },
    healthy,
    async stop() {
      for (const port of nodes.keys()) await crash(port);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
