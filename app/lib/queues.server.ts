import {
  Queue,
  Worker,
  createPostgresBackend,
  type Processor,
  type QueueOptions,
  type WorkerOptions,
} from "bullmq";
import { env } from "~/lib/env.server";
import { logger } from "~/lib/logger.server";
import { isLostConnection } from "~/lib/lost-connection.server";
import { connectRedis, queuePrefix, type RedisConnection } from "~/lib/redis.server";

// The one place that builds queues and workers and picks their backend: Redis through
// ioredis when REDIS_URL is set (production), else BullMQ's PostgreSQL backend in the
// app's own database (the embedded default). Processors never know which.

export const QUEUES = {
  maintenance: "maintenance",
  /** One job per outbox row: send it. */
  email: "email",
  /** The dispatcher and the reminder scan, on schedules. */
  reminders: "reminders",
  /** One job per team-channel delivery (Slack, Teams, signed webhook): post it. */
  channels: "channels",
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export type JobBackend = "redis" | "postgres";

export function jobBackend(): JobBackend {
  return env().REDIS_URL ? "redis" : "postgres";
}

/** How many delivery jobs the email worker runs at once (and SMTP connections it keeps). */
export const EMAIL_CONCURRENCY = 8;
/** How many channel posts the worker makes at once. */
export const CHANNEL_CONCURRENCY = 4;

export const defaultJobOptions = {
  attempts: 5,
  removeOnComplete: { count: 1_000 },
  removeOnFail: { count: 5_000 },
} as const;

/** Every queue's job options: the defaults, retried after GAPMAP_RETRY_BACKOFF_MS, doubling. */
function jobOptions() {
  return {
    ...defaultJobOptions,
    backoff: { type: "exponential", delay: env().GAPMAP_RETRY_BACKOFF_MS },
  } as const;
}

function redisConnection(role: "producer" | "worker"): RedisConnection {
  const connection = connectRedis(
    role === "producer"
      ? { maxRetriesPerRequest: 1, enableOfflineQueue: false }
      : { maxRetriesPerRequest: null },
  );
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
 * How long a stop that begins after an error still explains it. On Ctrl-C the embedded
 * PostgreSQL and this process get the signal at once, and the database may drop the queue's
 * connections (BullMQ then reports errors of its own, such as a schedule's next run not
 * added) before this process has run its signal handler.
 */
const STOP_EXPLAINS_ERRORS_MS = 2_000;

/**
 * Logs a queue's or a worker's errors. Without a listener, BullMQ prints each error's whole
 * object to stderr. A lost connection is not an error of ours: the queue reconnects by
 * itself and /readyz reports the outage.
 */
function logErrorsOf(
  emitter: { on(event: "error", listener: (err: Error) => void): unknown },
  name: QueueName,
) {
  emitter.on("error", (err) => {
    const report = () => {
      if (stopping) logger.debug({ err, queue: name }, "queue error while stopping");
      else if (isLostConnection(err))
        logger.warn({ err: err.message, queue: name }, "queue connection lost; reconnecting");
      else logger.error({ err, queue: name }, "queue error");
    };
    if (stopping || isLostConnection(err)) report();
    else setTimeout(report, STOP_EXPLAINS_ERRORS_MS).unref();
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
          defaultJobOptions: jobOptions(),
          prefix: queuePrefix(),
        } as QueueOptions)
      : (new Queue(
          name,
          { connection: postgresConnection(), defaultJobOptions: jobOptions() } as any,
          createPostgresBackend,
        ) as any);
  logErrorsOf(queue, name);
  return queue;
}

const producers = new Map<QueueName, Queue>();

/** The process's one producer of a queue, for the web process to add jobs and read counts. */
export function producerQueue<Data>(name: QueueName): Queue<Data> {
  let queue = producers.get(name);
  if (!queue) {
    queue = createQueue(name);
    producers.set(name, queue);
  }
  return queue as Queue<Data>;
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
          prefix: queuePrefix(),
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
