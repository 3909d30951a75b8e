import {
  Queue,
  Worker,
  createPostgresBackend,
  type Processor,
  type QueueOptions,
  type WorkerOptions,
} from "bullmq";
import { Redis, type RedisOptions } from "ioredis";

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
  return process.env.REDIS_URL?.trim() ? "redis" : "postgres";
}

const defaultJobOptions = {
  attempts: 5,
  backoff: { type: "exponential", delay: 5_000 },
  removeOnComplete: { count: 1_000 },
  removeOnFail: { count: 5_000 },
} as const;

/** Keeps several deployments (or test runs) on one Redis apart. */
const prefix = process.env.GAPMAP_QUEUE_PREFIX?.trim() || "bull";

function redisConnection(role: "producer" | "worker"): Redis {
  const options: RedisOptions =
    role === "producer"
      ? { maxRetriesPerRequest: 1, enableOfflineQueue: false }
      : { maxRetriesPerRequest: null };
  return new Redis(process.env.REDIS_URL as string, options);
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
      prefix,
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
  if (jobBackend() === "redis") {
    return new Worker<Data>(name, processor, {
      ...options,
      connection: redisConnection("worker"),
      prefix,
    } as WorkerOptions);
  }
  return new Worker(
    name,
    processor as any,
    { ...options, connection: postgresConnection() } as any,
    createPostgresBackend,
  ) as any;
}
/* eslint-enable @typescript-eslint/no-explicit-any */
