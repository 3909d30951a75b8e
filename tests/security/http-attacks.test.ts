import { readFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAppServer, type AppServer } from "../support/app-server";
import { PASSWORD, createOrgWithAdmin } from "../support/factories";
import { freePort } from "../support/free-port";

// Attacks on the web server itself, against the production build over real sockets: a
// reverse proxy that rewrites Host, 50 MB form posts, clients that drip their request,
// /metrics without a token, and the heap cap of `npm run web`.

const HEADERS_TIMEOUT_MS = 2_000;
const REQUEST_TIMEOUT_MS = 4_000;

let app: AppServer;
let proxy: http.Server;
let publicUrl: string;

/** A reverse proxy on loopback that rewrites Host to the app's own address and adds nothing. */
function startHostRewritingProxy(port: number, target: URL) {
  const server = http.createServer((req, res) => {
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise<http.Server>((resolve) =>
    server.listen(port, "127.0.0.1", () => resolve(server)),
  );
}

function residentMb(pid: number) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

/**
 * POSTs a form body of `bytes` (declared, or chunked when `declared` is false), sending the
 * first `send` bytes of it, and resolves with the status, or "reset" when the server cut the
 * connection while the body was still coming (it does not read what it refused).
 */
function bigPost(url: string, bytes: number, declared: boolean, send = bytes) {
  return new Promise<number | "reset">((resolve, reject) => {
    const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded" };
    if (declared) headers["Content-Length"] = String(bytes);
    const req = http.request(`${url}/login`, { method: "POST", headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on("error", (error: NodeJS.ErrnoException) =>
      ["ECONNRESET", "EPIPE"].includes(error.code ?? "") ? resolve("reset") : reject(error),
    );
    req.flushHeaders();
    const chunk = Buffer.alloc(64 * 1024, "a");
    chunk.write("password=");
    let sent = 0;
    const pump = () => {
      while (sent < send && !req.destroyed) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (send === bytes && !req.destroyed) req.end();
    };
    pump();
  });
}

/** Opens a socket that sends `start`, then one more byte of `drip` every 250 ms; resolves with how long the server kept it open. */
function drippingClient(port: number, start: string, drip: string) {
  return new Promise<number>((resolve) => {
    const opened = Date.now();
    const socket = net.connect(port, "127.0.0.1", () => socket.write(start));
    let i = 0;
    const timer = setInterval(() => socket.write(drip[i++ % drip.length]!), 250);
    const done = () => {
      clearInterval(timer);
      socket.destroy();
      resolve(Date.now() - opened);
    };
    socket.on("close", done);
    socket.on("error", done);
    socket.on("data", () => undefined);
    // The test's own bound: a connection still open by then is held.
    setTimeout(done, 20_000);
  });
}

beforeAll(async () => {
  const proxyPort = await freePort();
  publicUrl = `http://localhost:${proxyPort}`;
  app = await startAppServer({
    APP_URL: publicUrl,
    GAPMAP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
    GAPMAP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
  });
  proxy = await startHostRewritingProxy(proxyPort, new URL(app.url));
});

afterAll(async () => {
  await new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve(undefined)));
  await app?.stop();
});

describe("behind a reverse proxy that rewrites Host", () => {
  it("form posts from the public origin work (20 of 20), and cross-site ones are refused", async () => {
    const { admin } = await createOrgWithAdmin();
    const statuses: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      const response = await fetch(`${publicUrl}/login`, {
        method: "POST",
        redirect: "manual",
        headers: { Origin: publicUrl, "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ email: admin.email, password: PASSWORD }),
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual(Array.from({ length: 20 }, () => 302));

    const crossSite = await fetch(`${publicUrl}/login`, {
      method: "POST",
      redirect: "manual",
      headers: {
        Origin: "http://evil.example",
        "Content-Type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ email: admin.email, password: PASSWORD }),
    });
    expect(crossSite.status).toBe(403);
  });
});

describe("form bodies", () => {
  it("a declared 50 MB post gets 413 before its body is sent; a chunked one once 1 MB is in", async () => {
    expect(await bigPost(app.url, 50 * 1024 * 1024, true, 0)).toBe(413);
    expect(await bigPost(app.url, 50 * 1024 * 1024, false, 2 * 1024 * 1024)).toBe(413);
  });

  it("eight anonymous 50 MB posts at full speed leave the server's memory where it was", async () => {
    const before = residentMb(app.pid);
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, i) => bigPost(app.url, 50 * 1024 * 1024, i % 2 === 0)),
    );
    const after = residentMb(app.pid);
    console.log(
      `8 × 50 MB posts: ${outcomes.join(", ")}; RSS ${before.toFixed(0)} → ${after.toFixed(0)} MB`,
    );
    // Each is answered 413, or cut off mid-body when the answer beat the upload.
    for (const outcome of outcomes) expect([413, "reset"]).toContain(outcome);
    expect(after - before).toBeLessThan(60);
  });
});

describe("slow clients", () => {
  it("a client dripping its headers is cut off once the headers timeout passes", async () => {
    const port = Number(new URL(app.url).port);
    const held = await Promise.all(
      Array.from({ length: 20 }, () =>
        drippingClient(port, "GET /login HTTP/1.1\r\nHost: x\r\n", "X-Slow: aaaa\r\n"),
      ),
    );
    // Cut off after the timeout, checked every second by the server: well before the test's 20 s.
    expect(Math.max(...held)).toBeLessThan(HEADERS_TIMEOUT_MS + 4_000);
    expect(Math.min(...held)).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
  });

  it("a client dripping its body is cut off once the request timeout passes", async () => {
    const port = Number(new URL(app.url).port);
    const start =
      "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n";
    const held = await Promise.all(
      Array.from({ length: 20 }, () => drippingClient(port, start, "a")),
    );
    expect(Math.max(...held)).toBeLessThan(REQUEST_TIMEOUT_MS + 4_000);
    expect(Math.min(...held)).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
  });
});

describe("/metrics", () => {
  it("is not served without the token", async () => {
    const response = await fetch(`${app.url}/metrics`);
    expect(response.status).toBe(401);
    expect(await response.text()).not.toContain("gapmap_");
    const scraped = await fetch(`${app.url}/metrics`, {
      headers: { Authorization: `Bearer ${process.env.METRICS_TOKEN}` },
    });
    // The argon2 work the login attempts above cost, counted in the Remix bundle's own copy of
    // the module and served here.
    expect(await scraped.text()).toMatch(/^gapmap_password_hashes_total\{kind="verify"\} [1-9]/m);
  });

  it("a deployment (DATABASE_URL set) without METRICS_TOKEN does not start", async () => {
    let started: AppServer | undefined;
    let failure: unknown;
    try {
      started = await startAppServer({ METRICS_TOKEN: "" });
    } catch (error) {
      failure = error;
    }
    await started?.stop();
    expect(String(failure)).toMatch(/exited with 1/);
  });
});

describe("npm run web", () => {
  it("caps V8's heap as the image's web command does", async () => {
    // NODE_OPTIONS unset, as in a shell: a value of its own would replace the cap.
    const web = await startAppServer({ NODE_OPTIONS: "" }, { command: ["npm", "run", "web"] });
    try {
      const response = await fetch(`${web.url}/metrics`, {
        headers: { Authorization: `Bearer ${process.env.METRICS_TOKEN}` },
      });
      const limit = Number(
        /^gapmap_nodejs_heap_size_limit_bytes (\d+)/m.exec(await response.text())?.[1],
      );
      // 128 MB of old generation plus the young generation's semi-spaces.
      expect(limit).toBeGreaterThan(100 * 1024 * 1024);
      expect(limit).toBeLessThan(200 * 1024 * 1024);
    } finally {
      await web.stop();
    }
  });
});
