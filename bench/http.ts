// The web process under measurement: a logged-in session from the real login form, one
// view's latency one request at a time, and sustained load with the process's peak memory.
import { readFileSync } from "node:fs";
import http from "node:http";
import autocannon, { type Options } from "autocannon";
import { latencyStats, type LatencyStats } from "./stats";

/** Logs in through POST /login as a browser would and returns the session cookie. */
export async function logIn(baseUrl: string, email: string, password: string) {
  const res = await fetch(`${baseUrl}/login`, {
    method: "POST",
    redirect: "manual",
    // The app refuses cross-site posts: a browser on the app's own page sends its origin.
    headers: { Origin: baseUrl, "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ email, password, redirectTo: "" }),
  });
  const cookie = /gapmap_session=[^;]+/.exec(res.headers.get("set-cookie") ?? "")?.[0];
  if (res.status !== 302 || !cookie)
    throw new Error(`login as ${email} failed: HTTP ${res.status} ${await res.text()}`);
  return cookie;
}

/** GETs `path` once and checks it answers 200 with `expect` in its body. */
export async function checkPage(baseUrl: string, path: string, cookie: string, expect: RegExp) {
  const res = await fetch(`${baseUrl}${path}`, { headers: { Cookie: cookie }, redirect: "manual" });
  const body = await res.text();
  if (res.status !== 200 || !expect.test(body))
    throw new Error(`GET ${path}: HTTP ${res.status}, expected ${expect} in the page`);
  return body;
}

export interface PageBytes {
  /** The HTML as sent to a client that accepts no encoding. */
  raw: number;
  gzip: number;
  br: number;
}

/** The bytes on the wire for one GET of `path`, as sent for `encoding` (fetch would decode them). */
function wireBytes(baseUrl: string, path: string, cookie: string, encoding: string | null) {
  return new Promise<number>((resolve, reject) => {
    const headers: Record<string, string> = { Cookie: cookie };
    if (encoding) headers["Accept-Encoding"] = encoding;
    http
      .get(`${baseUrl}${path}`, { headers }, (res) => {
        const sent = res.headers["content-encoding"] ?? null;
        if (res.statusCode !== 200 || sent !== encoding)
          reject(
            new Error(
              `GET ${path} (${encoding ?? "identity"}): HTTP ${res.statusCode}, encoded ${sent}`,
            ),
          );
        let bytes = 0;
        res.on("data", (chunk: Buffer) => (bytes += chunk.length));
        res.on("end", () => resolve(bytes));
        res.on("error", reject);
      })
      .on("error", reject);
  });
}

/** A page's size raw, gzip- and brotli-encoded, as the server sends it. */
export async function pageBytes(baseUrl: string, path: string, cookie: string): Promise<PageBytes> {
  return {
    raw: await wireBytes(baseUrl, path, cookie, null),
    gzip: await wireBytes(baseUrl, path, cookie, "gzip"),
    br: await wireBytes(baseUrl, path, cookie, "br"),
  };
}

export interface LoadResult extends LatencyStats {
  seconds: number;
  requestsPerSecond: number;
  non2xx: number;
  errors: number;
}

/** Runs autocannon and keeps every response's latency, for exact percentiles. */
async function run(options: Options & { cookie: string }): Promise<LoadResult> {
  const samples: number[] = [];
  const { cookie, ...rest } = options;
  const instance = autocannon({ ...rest, headers: { Cookie: cookie }, timeout: 30 });
  instance.on("response", (_client: unknown, _status: number, _bytes: number, ms: number) =>
    samples.push(ms),
  );
  const result = await instance;
  return {
    ...latencyStats(samples),
    seconds: Math.round(result.duration * 100) / 100,
    requestsPerSecond: Math.round((samples.length / result.duration) * 10) / 10,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** `requests` GETs of `url`, one at a time, after `warmup` unmeasured ones. */
export async function measureLatency(
  url: string,
  cookie: string,
  requests: number,
  warmup: number,
) {
  if (warmup > 0) await run({ url, cookie, connections: 1, amount: warmup });
  return run({ url, cookie, connections: 1, amount: requests });
}

/** A process's resident memory now (VmRSS) or its high-water mark (VmHWM), in MB. */
function rssMb(pid: number, field: "VmRSS" | "VmHWM") {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1]);
    return Number.isFinite(kb) ? Math.round(kb / 102.4) / 10 : null;
  } catch {
    return null; // not Linux, or the process is gone
  }
}

export interface MemoryWatched {
  /** Highest resident memory of a watched process while watched (sampled every 100 ms). */
  rssPeakDuringMb: number | null;
  /** The kernel's high-water mark of a watched process's resident memory since it started. */
  rssHighWaterMb: number | null;
}

/** Watches the processes' resident memory until the returned function is called. */
export function watchMemory(pids: number[]): () => MemoryWatched {
  const highest = (field: "VmRSS" | "VmHWM") => {
    const values = pids.map((pid) => rssMb(pid, field)).filter((v): v is number => v !== null);
    return values.length ? Math.max(...values) : null;
  };
  let peak = highest("VmRSS");
  const sampler = setInterval(() => {
    const now = highest("VmRSS");
    if (now !== null) peak = Math.max(peak ?? 0, now);
  }, 100);
  return () => {
    clearInterval(sampler);
    return { rssPeakDuringMb: peak, rssHighWaterMb: highest("VmHWM") };
  };
}

export interface SustainedResult extends LoadResult, MemoryWatched {
  connections: number;
  /** How many web processes served the load (connections spread over them evenly). */
  processes: number;
}

/**
 * `connections` clients GETting `urls` (each served by one of `pids`, connections spread over
 * them in turn, as a load balancer would) for `seconds`, the processes' memory watched.
 */
export async function sustainedLoad(
  urls: string[],
  cookie: string,
  { seconds, connections, pids }: { seconds: number; connections: number; pids: number[] },
): Promise<SustainedResult> {
  const stopWatching = watchMemory(pids);
  let result: LoadResult;
  let memory: MemoryWatched;
  try {
    result = await run({
      url: urls.length === 1 ? urls[0]! : urls,
      cookie,
      connections,
      duration: seconds,
    });
  } finally {
    memory = stopWatching();
  }
  return { ...result, connections, processes: urls.length, ...memory };
}

/**
 * `requests` GETs of `url` one at a time, each after `before()` (not timed): e.g. a write
 * that makes the page compute its figures afresh.
 */
export async function measureAfterEach(
  url: string,
  cookie: string,
  requests: number,
  before: () => Promise<unknown>,
): Promise<LatencyStats> {
  const samples: number[] = [];
  for (let i = 0; i < requests; i++) {
    await before();
    const started = performance.now();
    const res = await fetch(url, { headers: { Cookie: cookie } });
    await res.arrayBuffer();
    samples.push(performance.now() - started);
    if (res.status !== 200) throw new Error(`GET ${url}: HTTP ${res.status}`);
  }
  return latencyStats(samples);
}
