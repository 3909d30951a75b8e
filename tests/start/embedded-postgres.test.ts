import { execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../support/free-port";

// `npm start` with no DATABASE_URL starts an embedded PostgreSQL. When that cannot work, the
// person at the terminal gets one message naming the cause and the fixes, not a stack trace.

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir() {
  const dir = mkdtempSync(path.join(tmpdir(), "gapmap-start-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs server.ts as `npm start` does (without the build) and waits for it to exit. */
async function startServer(extraEnv: Record<string, string>) {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv };
  for (const name of ["DATABASE_URL", "SESSION_SECRET", "APP_URL", "REDIS_URL"]) delete env[name];
  env.PORT = String(await freePort());
  env.NODE_ENV = "production";
  env.LOG_LEVEL = "info";
  const child = spawn(process.execPath, ["--import", "tsx", "server.ts", "--with-worker"], { env });
  let output = "";
  for (const stream of [child.stdout, child.stderr])
    stream.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.once("exit", (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  return { code, output };
}

function expectOneClearMessage(output: string) {
  expect(output.match(/Gapmap could not start its embedded PostgreSQL/g)).toHaveLength(1);
  expect(output).toMatch(/To fix it:/);
  expect(output).toMatch(/set DATABASE_URL to a PostgreSQL server of your own/);
  // No stack trace, and the server never got as far as listening.
  expect(output).not.toMatch(/^\s+at /m);
  expect(output).not.toMatch(/listening on/);
}

describe("when the embedded PostgreSQL cannot start", () => {
  it("names a folder it cannot enter, and how to get out of it", async () => {
    const dir = tempDir();
    const dataDir = path.join(dir, "data");
    const root = process.getuid?.() === 0;
    if (root) {
      // The case: a clone under `mktemp -d` (mode 700) started as root, where
      // PostgreSQL (which refuses root) runs as the unprivileged "postgres" user.
      chmodSync(dir, 0o700);
    } else {
      // As a regular user PostgreSQL runs as that user: a data folder it may not write.
      mkdirSync(path.join(dataDir, "postgres"), { recursive: true, mode: 0o500 });
    }
    const { code, output } = await startServer({
      GAPMAP_DATA_DIR: dataDir,
      GAPMAP_EMBEDDED_PG_PORT: String(await freePort()),
    });
    expect(code).toBe(1);
    expectOneClearMessage(output);
    if (root) {
      expect(output).toContain(`"postgres", which cannot enter ${dir} (mode 700`);
      expect(output).toContain("set GAPMAP_DATA_DIR to a folder other users may enter");
    } else {
      expect(output).toContain(`it may not create or write ${path.join(dataDir, "postgres")}`);
      expect(output).toContain("set GAPMAP_DATA_DIR to a folder you may write");
    }
  });

  it("names a full disk, and how to use another", async () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const disk = path.join(dir, "disk");
    mkdirSync(disk);
    // A disk of 8 MB, far less than a new database needs (about 40 MB). Mounting needs root,
    // as the suite runs in CI; PostgreSQL then runs as "postgres", so the disk is open to all.
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=8m,mode=0777", "gapmap-full-disk", disk]);
    cleanups.push(() => void execFileSync("umount", ["--lazy", disk]));
    const { code, output } = await startServer({
      GAPMAP_DATA_DIR: path.join(disk, "data"),
      GAPMAP_EMBEDDED_PG_PORT: String(await freePort()),
    });
    expect(code).toBe(1);
    expectOneClearMessage(output);
    expect(output).toContain(`the disk holding ${path.join(disk, "data", "postgres")} is full`);
    expect(output).toContain("set GAPMAP_DATA_DIR to a folder on a disk with room");
  });

  it("names the port another program holds, and how to choose another", async () => {
    const port = await freePort();
    const squatter = net.createServer((socket) => socket.end());
    await new Promise<void>((resolve) => squatter.listen(port, "127.0.0.1", resolve));
    cleanups.push(() => new Promise<void>((resolve) => squatter.close(() => resolve())));
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const { code, output } = await startServer({
      GAPMAP_DATA_DIR: path.join(dir, "data"),
      GAPMAP_EMBEDDED_PG_PORT: String(port),
    });
    expect(code).toBe(1);
    expectOneClearMessage(output);
    expect(output).toContain(`port ${port} on 127.0.0.1 is already used by another program`);
    expect(output).toContain("set GAPMAP_EMBEDDED_PG_PORT to a free port");
  });
});
