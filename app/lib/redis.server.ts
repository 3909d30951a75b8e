import { Cluster, Redis, type RedisOptions } from "ioredis";
import { env } from "~/lib/env.server";

// The one place that connects to Redis: a single server, or with REDIS_CLUSTER a Redis
// Cluster reached through the seed nodes REDIS_URL lists (ioredis discovers the rest and
// follows failovers and slot moves).

export type RedisConnection = Redis | Cluster;

export interface ConnectOptions extends Pick<
  RedisOptions,
  "maxRetriesPerRequest" | "connectTimeout" | "lazyConnect"
> {
  /** false: a command while disconnected fails at once instead of waiting for a reconnect. */
  enableOfflineQueue?: boolean;
}

/** REDIS_URL's nodes: one URL, or several separated by commas (a cluster's seed nodes). */
export function redisNodes(url: string): string[] {
  return url
    .split(",")
    .map((node) => node.trim())
    .filter(Boolean);
}

export function connectRedis(options: ConnectOptions): RedisConnection {
  const config = env();
  const [first, ...more] = redisNodes(config.REDIS_URL ?? "");
  if (!first) throw new Error("REDIS_URL is not set");
  if (!config.REDIS_CLUSTER) return new Redis(first, options);
  const { lazyConnect, enableOfflineQueue, ...perNode } = options;
  const seed = new URL(first);
  return new Cluster(
    [first, ...more].map((node) => {
      const url = new URL(node);
      return { host: url.hostname, port: Number(url.port || 6379) };
    }),
    {
      lazyConnect,
      enableOfflineQueue,
      // Every node shares the seed's credentials and TLS, as managed clusters do.
      redisOptions: {
        ...perNode,
        username: decodeURIComponent(seed.username) || undefined,
        password: decodeURIComponent(seed.password) || undefined,
        tls: seed.protocol === "rediss:" ? {} : undefined,
      },
    },
  );
}

/**
 * The queues' key prefix. In a cluster it is a hash tag ("{bull}"), so all of a queue's keys
 * live in one slot: BullMQ's Lua scripts touch several keys at once, which a cluster only
 * allows within one slot.
 */
export function queuePrefix(): string {
  const prefix = env().GAPMAP_QUEUE_PREFIX;
  return env().REDIS_CLUSTER ? `{${prefix}}` : prefix;
}
