import {
  Queue,
  Worker,
  createPostgresBackend,
  type Processor,
  type QueueOptions,
  type WorkerOptions,
} from "bullmq";
import { Redis, type RedisOptions } from "ioredis";
import { env } from "~/lib/env.server";
import { logger } from "~/lib/logger.server";

// The one place that builds queues and workers and picks their backend: Redis through
// ioredis when REDIS_URL is set (production), else BullMQ's PostgreSQL backend in the
// app's own database (the embedded default). Processors never know which.

export const QUEUES = {
  maintenance: "maintenance",
  /** One job per outbox row: send it. */
  email: "email",
  /** The dispatcher and the reminder scan, on schedules. */
  reminders: "reminders",
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export type JobBackend = "redis" | "postgres";

export function jobBackend(): JobBackend {
  return env().REDIS_URL ? "redis" : "postgres";
}

const defaultJobOptions = {
  attempts: 5,
  backoff: { type: "exponential", delay: 5_000 },
  removeOnComplete: { count: 1_000 },
  removeOnFail: { count: 5_000 },
} as const;

function redisConnection(role: "producer" | "worker"): Redis {
  const options: RedisOptions =
    role === "producer"
      ? { maxRetriesPerRequest: 1, enableOfflineQueue: false }
      : { maxRetriesPerRequest: null };
  const connection = new Redis(env().REDIS_URL as string, options);
  // ioredis reconnects by itself; without a listener each failed try would print a stack.
  connection.on("error", (err) => logger.warn({ err: err.message }, "redis connection error"));
  return connection;
}

function postgresConnection() {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString)
    throw new Error("DATABASE_URL must be provisioned before queues are created");
  return { connectionString, schema: "bullmq", migrate: true };
}

/* eslint-disable @typescript-eslint/no-explicit-any -- the two backends' generic types differ; callers see Queue */
/**
 * A queue to add jobs to. The web process is a producer that fails fast when Redis is away;
 * inside the worker (`role: "worker"`) adds wait for Redis to come back instead.
 */
export function createQueue<Data>(
  name: QueueName,
  { role = "producer" }: { role?: "producer" | "worker" } = {},
): Queue<Data> {
  if (jobBackend() === "redis") {
    return new Queue<Data>(name, {
      connection: redisConnection(role),
      defaultJobOptions,
      prefix: env().GAPMAP_QUEUE_PREFIX,
    } as QueueOptions);
  }
  return new Queue(
    name,
    { connection: postgresConnection(), defaultJobOptions } as any,
    createPostgresBackend,
  ) as any;
}

export function createWorker<Data>(
  name: QueueName,
  processor: Processor<Data>,
  options: Partial<WorkerOptions> = {},
): Worker<Data> {
  const lock = {
    lockDuration: env().GAPMAP_JOB_LOCK_MS,
    stalledInterval: env().GAPMAP_JOB_LOCK_MS,
  };
  if (jobBackend() === "redis") {
    return new Worker<Data>(name, processor, {
      ...lock,
      ...options,
      connection: redisConnection("worker"),
      prefix: env().GAPMAP_QUEUE_PREFIX,
    } as WorkerOptions);
  }
  return new Worker(
    name,
    processor as any,
    { ...lock, ...options, connection: postgresConnection() } as any,
    createPostgresBackend,
  ) as any;
}
/* eslint-enable @typescript-eslint/no-explicit-any */
