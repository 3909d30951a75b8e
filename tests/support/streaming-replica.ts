import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { freePort } from "./free-port";

// A PostgreSQL primary and a hot-standby replica streaming from it, both of the test's own
// (this machine's PostgreSQL binaries, temp data dirs, free ports): the replica is made with
// pg_basebackup, as an operator would.

const BIN = (() => {
  const root = "/usr/lib/postgresql";
  const version = readdirSync(root).sort((a, b) => Number(b) - Number(a))[0];
  return path.join(root, version ?? "", "bin");
})();

/** As root, PostgreSQL runs as the "postgres" account (it refuses root). */
function runAs() {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) =>
    Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}

export interface StreamingPair {
  primaryUrl(database: string): string;
  replicaUrl(database: string): string;
  /** Waits until the replica has replayed everything the primary has written so far. */
  caughtUp(): Promise<void>;
  /** Stops and resumes applying the primary's changes on the replica (a lagging replica). */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  stop(): Promise<void>;
}

async function query(url: string, text: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

async function answering(url: string, log: () => string, deadline = Date.now() + 60_000) {
  for (;;) {
    try {
      await query(url, "SELECT 1");
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${String(error)}; server log:\n${log()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

export async function startStreamingPair(): Promise<StreamingPair> {
  const user = runAs();
  const dir = mkdtempSync(path.join(tmpdir(), "gapmap-replica-"));
  chmodSync(dir, 0o755);
  const [primaryDir, replicaDir] = [path.join(dir, "primary"), path.join(dir, "replica")];
  for (const d of [primaryDir, replicaDir]) {
    mkdirSync(d, { mode: 0o700 });
    if (user.uid !== undefined) chownSync(d, user.uid, user.gid);
  }
  const run = (tool: string, args: string[]) =>
    execFileSync(path.join(BIN, tool), args, { ...user, stdio: "pipe" });
  const servers: ChildProcess[] = [];
  const serve = (dataDir: string, port: number) => {
    const child = spawn(
      path.join(BIN, "postgres"),
      [
        "-D",
        dataDir,
        "-p",
        String(port),
        // TCP only: no socket file in a folder the server's account may not write.
        "-k",
        "",
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "fsync=off",
      ],
      { ...user, stdio: ["ignore", "ignore", "pipe"] },
    );
    // Its log, to explain a server that never answers.
    child.stderr
      ?.setEncoding("utf8")
      .on("data", (chunk: string) => (log = `${log}${chunk}`.slice(-4000)));
    servers.push(child);
  };
  let log = "";
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  const url = (port: number, database: string) =>
    `postgres://postgres@127.0.0.1:${port}/${database}`;

  run("initdb", ["-D", primaryDir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
  serve(primaryDir, primaryPort);
  await answering(url(primaryPort, "postgres"), () => log);
  // -R: the copy starts as a standby streaming from the primary.
  run("pg_basebackup", [
    "-h",
    "127.0.0.1",
    "-p",
    String(primaryPort),
    "-U",
    "postgres",
    "-D",
    replicaDir,
    "-R",
    "-X",
    "stream",
    "--no-sync",
  ]);
  serve(replicaDir, replicaPort);
  await answering(url(replicaPort, "postgres"), () => log);

  return {
    primaryUrl: (database) => url(primaryPort, database),
    replicaUrl: (database) => url(replicaPort, database),
    async caughtUp() {
      const [{ lsn }] = await query(
        url(primaryPort, "postgres"),
        "SELECT pg_current_wal_lsn() AS lsn",
      );
      for (const deadline = Date.now() + 60_000; ;) {
        const [{ behind }] = await query(
          url(replicaPort, "postgres"),
          `SELECT pg_last_wal_replay_lsn() < '${lsn}'::pg_lsn AS behind`,
        );
        if (!behind) return;
        if (Date.now() > deadline) throw new Error("the replica did not catch up within 60 s");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    pauseReplay: async () =>
      void (await query(url(replicaPort, "postgres"), "SELECT pg_wal_replay_pause()")),
    resumeReplay: async () =>
      void (await query(url(replicaPort, "postgres"), "SELECT pg_wal_replay_resume()")),
    async stop() {
      await Promise.all(
        servers.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once("exit", () => resolve());
              child.kill("SIGINT"); // fast shutdown
            }),
        ),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
