import { sql } from "kysely";
import { db } from "#db/database";
import { logger } from "./logger.server";
import { connectRedis, type RedisConnection } from "./redis.server";

let redis: RedisConnection | undefined;

function redisClient() {
  // Fail fast: a readiness probe must answer within its timeout, not queue commands.
  redis ??= connectRedis({
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 1000,
  });
  return redis;
}

async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, "ok" | "unreachable">;
}

/** Postgres (and Redis when configured) reachable: what /readyz reports. */
export async function checkReadiness(): Promise<Readiness> {
  const checks: Readiness["checks"] = {};
  try {
    await within(2000, sql`SELECT 1`.execute(db));
    checks.postgres = "ok";
  } catch (error) {
    logger.warn({ err: error }, "readiness: postgres unreachable");
    checks.postgres = "unreachable";
  }
  if (process.env.REDIS_URL?.trim()) {
    try {
      const client = redisClient();
      if (client.status === "wait" || client.status === "end") await within(2000, client.connect());
      await within(2000, client.ping());
      checks.redis = "ok";
    } catch (error) {
      logger.warn({ err: error }, "readiness: redis unreachable");
      checks.redis = "unreachable";
    }
  }
  return { ready: Object.values(checks).every((v) => v === "ok"), checks };
}
