import { Cluster, Redis, type ClusterNode, type ClusterOptions, type RedisOptions } from "ioredis";
import { env } from "~/lib/env.server";

// The one place that connects to Redis: a single server, or with REDIS_CLUSTER a Redis
// Cluster reached through the seed nodes REDIS_URL lists (ioredis discovers the rest and
// follows failovers and slot moves).

export type RedisConnection = Redis | Cluster;

/**
 * ioredis's Cluster, with a connect() that settles. An attempt made while a master is down
 * (its ready check finds the cluster failing) is retried by ioredis until the cluster is
 * whole again, but the promise the first attempt returned never settles. BullMQ awaits it
 * when it restores a worker's blocking connection, so that worker stopped fetching jobs for
 * good after a master restart. Here connect() also settles when the cluster becomes ready,
 * or ends. duplicate() (BullMQ's blocking connections) keeps the class.
 */
export class SettlingCluster extends Cluster {
  constructor(
    private readonly seeds: ClusterNode[],
    options?: ClusterOptions,
  ) {
    super(seeds, options);
  }

  /** Settles when the cluster is next ready, or ends: one wait shared by every attempt. */
  declare private settled: Promise<void> | undefined;

  override connect(): Promise<void> {
    const attempt = super.connect();
    this.settled ??= new Promise<void>((resolve, reject) => {
      const ready = () => settle(resolve);
      const ended = () => settle(() => reject(new Error("Connection is closed.")));
      const settle = (then: () => void) => {
        this.off("ready", ready).off("end", ended);
        this.settled = undefined;
        then();
      };
      this.once("ready", ready).once("end", ended);
    });
    return Promise.race([attempt, this.settled]);
  }

  override duplicate(startupNodes: ClusterNode[] = [], options: ClusterOptions = {}) {
    return new SettlingCluster(startupNodes.length ? startupNodes : this.seeds, {
      ...this.options,
      ...options,
    });
  }
}

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
  return new SettlingCluster(
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
