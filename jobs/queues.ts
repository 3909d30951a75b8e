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
import { isLostConnection } from "~/lib/lost-connection.server";

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

/** How many delivery jobs the email worker runs at once (and SMTP connections it keeps). */
export const EMAIL_CONCURRENCY = 8;

export const defaultJobOptions = {
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

let stopping = false;

/** The process is stopping: from now on a lost connection is expected, not an error. */
export function queuesStopping() {
  stopping = true;
}

/**
 * Logs a queue's or a worker's connection errors. Without a listener, BullMQ prints each
 * error's whole object to stderr.
 */
function logErrorsOf(
  emitter: { on(event: "error", listener: (err: Error) => void): unknown },
  name: QueueName,
) {
  emitter.on("error", (err) => {
    if (stopping && isLostConnection(err))
      logger.debug({ err, queue: name }, "queue connection closed while stopping");
    else logger.error({ err, queue: name }, "queue error");
  });
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
  const queue: Queue<Data> =
    jobBackend() === "redis"
      ? new Queue<Data>(name, {
          connection: redisConnection(role),
          defaultJobOptions,
          prefix: env().GAPMAP_QUEUE_PREFIX,
        } as QueueOptions)
      : (new Queue(
          name,
          { connection: postgresConnection(), defaultJobOptions } as any,
          createPostgresBackend,
        ) as any);
  logErrorsOf(queue, name);
  return queue;
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
  const worker: Worker<Data> =
    jobBackend() === "redis"
      ? new Worker<Data>(name, processor, {
          ...lock,
          ...options,
          connection: redisConnection("worker"),
          prefix: env().GAPMAP_QUEUE_PREFIX,
        } as WorkerOptions)
      : (new Worker(
          name,
          processor as any,
          { ...lock, ...options, connection: postgresConnection() } as any,
          createPostgresBackend,
        ) as any);
  logErrorsOf(worker, name);
  return worker;
}
/* eslint-enable @typescript-eslint/no-explicit-any */
