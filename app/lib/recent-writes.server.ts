import { createHash } from "node:crypto";
import type express from "express";
import { env } from "~/lib/env.server";

// Read-your-writes with a read replica (db/read-replica.ts): a caller who has just written
// reads from the primary for GAPMAP_REPLICA_STICKY_MS. A browser is told by a short-lived
// cookie, which every web process sees; an API client by its token, remembered by the web
// process that took the write (another process still finds the replica behind the
// organisation's latest change and reads from the primary).

const COOKIE = "gapmap_wrote";
const tokens = new Map<string, number>();
const MAX_TOKENS = 10_000;

const tokenKey = (req: express.Request) => {
  const authorization = req.get("authorization");
  return authorization ? createHash("sha256").update(authorization).digest("hex") : null;
};

/** Records that this request writes (any method but GET and HEAD). */
export function markWrite(req: express.Request, res: express.Response) {
  const stickyMs = env().GAPMAP_REPLICA_STICKY_MS;
  const key = tokenKey(req);
  if (key) {
    const now = Date.now();
    if (tokens.size >= MAX_TOKENS)
      for (const [k, until] of tokens) if (until <= now) tokens.delete(k);
    if (tokens.size < MAX_TOKENS) tokens.set(key, now + stickyMs);
    return;
  }
  res.cookie(COOKIE, "1", {
    maxAge: stickyMs,
    httpOnly: true,
    sameSite: "lax",
    secure: env().APP_URL.startsWith("https:"),
    path: "/",
  });
}

/** Whether this request's caller wrote within GAPMAP_REPLICA_STICKY_MS. */
export function wroteRecently(req: express.Request) {
  const key = tokenKey(req);
  if (key) return (tokens.get(key) ?? 0) > Date.now();
  return (req.get("cookie") ?? "").split(";").some((c) => c.trim().startsWith(`${COOKIE}=`));
}
