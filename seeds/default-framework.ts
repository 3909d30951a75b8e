// The framework every organisation starts with: the Node.js senior expectations list
// (seeds/frameworks/nodejs-senior-7-8-years.md) as categories and topics, a Mid and a Senior
// target profile, and the organisation-wide 0–4 level descriptors. The reasoning behind the
// targets is in docs/decisions/002-default-targets.md.
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Kysely } from "kysely";
import type { CategoryKind, Database, TargetPriority } from "#db/schema";
import {
  createFramework,
  type CreatedFramework,
  type ProfileSpec,
  type TargetSpec,
} from "~/modules/frameworks/create-framework.server";
import { parseMarkdownOutline, type FrameworkOutline } from "~/modules/frameworks/markdown-outline";

/** The app always runs from the repository root. */
export const DEFAULT_FRAMEWORK_PATH = path.resolve("seeds/frameworks/nodejs-senior-7-8-years.md");
export const DEFAULT_FRAMEWORK_NAME = "Node.js senior expectations";
export const DEFAULT_FRAMEWORK_DESCRIPTION =
  "What a Node.js engineer with 7–8 years of experience is expected to know and do, " +
  "with targets for mid-level (3–5 years) and senior (7–8 years) engineers.";

export const MID_PROFILE = "Mid (3–5 yrs)";
export const SENIOR_PROFILE = "Senior (7–8 yrs)";

export const DEFAULT_LEVEL_DESCRIPTORS = [
  {
    level: 0,
    label: "None",
    description: "Has not worked with it and does not yet know the concepts.",
  },
  {
    level: 1,
    label: "Aware",
    description:
      "Knows the concepts and vocabulary and can follow a discussion, but has not applied them in real work.",
  },
  {
    level: 2,
    label: "Working",
    description: "Has used it in real work with guidance or review from someone more experienced.",
  },
  {
    level: 3,
    label: "Proficient",
    description:
      "Uses it independently in production, including debugging it and weighing its trade-offs.",
  },
  {
    level: 4,
    label: "Expert",
    description:
      "Designs systems with it, sets the team's practices for it and teaches it to others.",
  },
] as const;

type Target = readonly [level: number, priority: TargetPriority];
interface TopicTargets {
  senior: Target;
  mid: Target;
}

const MUST: TargetPriority = "must_have";
const GOOD: TargetPriority = "good_to_have";
const ADV: TargetPriority = "advanced";

/** Senior level and priority, then Mid level and priority. */
function t(
  seniorLevel: number,
  senior: TargetPriority,
  midLevel: number,
  mid: TargetPriority,
): TopicTargets {
  return { senior: [seniorLevel, senior], mid: [midLevel, mid] };
}

/**
 * Targets per topic, keyed by the topic's name in the expectations file. A topic renamed or
 * added in the file falls back to its category's default (CATEGORY_TARGETS); the seed test
 * fails when that happens so this table is updated with it.
 */
export const TOPIC_TARGETS: Readonly<Record<string, TopicTargets>> = {
  // Core Node.js Fundamentals
  "Event loop, call stack, and microtask queue": t(4, MUST, 3, MUST),
  "Streams, Buffers, and Pipes": t(3, MUST, 2, GOOD),
  "Asynchronous programming: callbacks, promises, async/await": t(4, MUST, 3, MUST),
  "Error handling (synchronous vs asynchronous errors)": t(4, MUST, 3, MUST),
  "Child processes, worker threads, clustering": t(3, GOOD, 2, GOOD),
  "File system operations and OS module": t(3, MUST, 2, MUST),

  // Backend & API Development
  "Building RESTful APIs (Express.js, Fastify, Koa, NestJS)": t(4, MUST, 3, MUST),
  "GraphQL APIs (Apollo, Mercurius)": t(2, GOOD, 1, GOOD),
  "API design best practices (versioning, pagination, filtering, HATEOAS)": t(4, MUST, 2, MUST),
  "WebSockets, SSE, and real-time communication (Socket.IO, ws)": t(3, GOOD, 2, GOOD),
  "gRPC and RPC patterns": t(2, ADV, 1, ADV),

  // Database Expertise
  "SQL (PostgreSQL, MySQL, MSSQL) – schema design, query optimization, transactions": t(
    4,
    MUST,
    3,
    MUST,
  ),
  "NoSQL (MongoDB, Cassandra, DynamoDB, Redis) – schema design, indexing, aggregation": t(
    3,
    GOOD,
    2,
    GOOD,
  ),
  "ORMs & ODMs (Sequelize, TypeORM, Prisma, Mongoose)": t(3, MUST, 2, MUST),
  "Database connection pooling and performance tuning": t(3, MUST, 2, GOOD),

  // System Design & Architecture: what most sets a senior apart, so Mid sits two levels lower.
  "Monolith vs Microservices vs Serverless architectures": t(3, MUST, 1, GOOD),
  "API Gateway, BFF (Backend-for-Frontend) patterns": t(3, GOOD, 1, ADV),
  "Event-driven architecture (Kafka, RabbitMQ, NATS)": t(3, GOOD, 1, GOOD),
  "CQRS and Event Sourcing": t(2, ADV, 1, ADV),
  "Caching strategies (Redis, Memcached, CDN)": t(3, MUST, 2, GOOD),
  "Load balancing and scaling (horizontal vs vertical)": t(3, MUST, 1, GOOD),

  // Performance & Optimization
  "Profiling and debugging (Node Inspector, Chrome DevTools)": t(3, MUST, 2, MUST),
  "Clustering and load balancing in Node.js": t(3, GOOD, 2, GOOD),
  "Memory leaks, garbage collection tuning": t(3, MUST, 2, GOOD),
  "Asynchronous vs synchronous bottlenecks": t(3, MUST, 2, MUST),
  "High-performance logging (Winston, Pino)": t(3, GOOD, 2, GOOD),

  // Security & Best Practices
  "Authentication & Authorization (JWT, OAuth2, Passport, Keycloak)": t(3, MUST, 2, MUST),
  "Secure coding practices (XSS, CSRF, SQL Injection prevention)": t(4, MUST, 3, MUST),
  "HTTPS/TLS, secure headers, CORS": t(3, MUST, 2, MUST),
  "Rate limiting, throttling, request validation": t(3, MUST, 2, MUST),
  "Secrets management (Vault, AWS Secrets Manager, dotenv)": t(3, MUST, 2, GOOD),

  // Testing & Quality
  "Unit testing (Mocha, Jest, Ava)": t(4, MUST, 3, MUST),
  "Integration & E2E testing (Supertest, Cypress, Playwright)": t(3, MUST, 2, MUST),
  "Test-driven development (TDD) & Behavior-driven development (BDD)": t(3, GOOD, 2, GOOD),
  "Contract testing for microservices (Pact)": t(2, ADV, 1, ADV),
  "Code quality tools (ESLint, Prettier, SonarQube)": t(3, MUST, 2, MUST),

  // DevOps & CI/CD
  "Docker & containerization": t(3, MUST, 2, MUST),
  "Kubernetes for scaling services": t(2, GOOD, 1, ADV),
  "CI/CD pipelines (GitHub Actions, GitLab CI, Jenkins, CircleCI)": t(3, MUST, 2, GOOD),
  "Infrastructure as Code (Terraform, Ansible)": t(2, ADV, 1, ADV),
  "Cloud platforms: AWS (Lambda, ECS, S3, DynamoDB), GCP, Azure": t(3, GOOD, 2, GOOD),
  "Monitoring & logging (Prometheus, Grafana, ELK/EFK stack)": t(3, MUST, 2, GOOD),

  // Advanced JavaScript & TypeScript
  "Deep understanding of closures, prototypes, and inheritance": t(4, MUST, 3, MUST),
  "Functional programming concepts in JS": t(3, GOOD, 2, GOOD),
  "Module systems (CommonJS, ESM)": t(3, MUST, 2, MUST),
  "TypeScript with Node.js (types, generics, decorators)": t(4, MUST, 3, MUST),
  "Design patterns (Factory, Singleton, Observer, Dependency Injection)": t(3, MUST, 2, GOOD),

  // Messaging & Distributed Systems
  "Message queues & brokers (Kafka, RabbitMQ, SQS, NATS)": t(3, GOOD, 2, GOOD),
  "Pub/Sub architectures": t(3, GOOD, 1, GOOD),
  "Event-driven microservices": t(3, GOOD, 1, GOOD),
  "Saga patterns & distributed transactions": t(2, ADV, 1, ADV),

  // Other Must-Know Areas
  "API documentation (Swagger, OpenAPI)": t(3, MUST, 2, MUST),
  "Version control (Git, branching strategies, GitFlow)": t(4, MUST, 3, MUST),
  "Agile methodologies (Scrum, Kanban)": t(3, GOOD, 2, GOOD),
  "Code review & collaboration best practices": t(4, MUST, 3, MUST),
  "Experience with monorepos (Nx, Turborepo, Lerna)": t(2, ADV, 1, ADV),

  // Role expectations: what the Senior profile is hired for; a Mid is growing into them.
  "Architecting scalable solutions (not just coding APIs)": t(3, MUST, 1, GOOD),
  "Leading teams & mentoring juniors": t(3, MUST, 1, GOOD),
  "Ensuring performance, reliability, and security in production": t(3, MUST, 2, GOOD),
  "Bridging between development and DevOps/infra": t(3, MUST, 2, GOOD),
};

/** Defaults for a topic missing from TOPIC_TARGETS, by category name. */
export const CATEGORY_TARGETS: Readonly<Record<string, TopicTargets>> = {
  "Core Node.js Fundamentals": t(3, MUST, 2, MUST),
  "Backend & API Development": t(3, MUST, 2, GOOD),
  "Database Expertise": t(3, MUST, 2, GOOD),
  "System Design & Architecture": t(3, GOOD, 1, GOOD),
  "Performance & Optimization": t(3, GOOD, 2, GOOD),
  "Security & Best Practices": t(3, MUST, 2, MUST),
  "Testing & Quality": t(3, MUST, 2, MUST),
  "DevOps & CI/CD": t(3, GOOD, 2, GOOD),
  "Advanced JavaScript & TypeScript": t(3, MUST, 2, GOOD),
  "Messaging & Distributed Systems": t(2, GOOD, 1, ADV),
  "Other Must-Know Areas": t(3, GOOD, 2, GOOD),
};
const ROLE_EXPECTATION_TARGETS = t(3, MUST, 1, GOOD);
/** A category the table does not know: a neutral middle. */
const UNKNOWN_TARGETS = t(2, GOOD, 1, GOOD);

/** The targets of one topic of the default framework, for one profile. */
export function defaultTargetFor(
  profile: "mid" | "senior",
  topic: { category: string; name: string; kind: CategoryKind },
): TargetSpec {
  const targets =
    TOPIC_TARGETS[topic.name] ??
    (topic.kind === "role_expectations" ? ROLE_EXPECTATION_TARGETS : undefined) ??
    CATEGORY_TARGETS[topic.category] ??
    UNKNOWN_TARGETS;
  const [level, priority] = targets[profile];
  return { level, priority };
}

/** In display order: target_profiles.position follows it. */
export const DEFAULT_PROFILES: ProfileSpec[] = [
  { name: MID_PROFILE, targetFor: (topic) => defaultTargetFor("mid", topic) },
  { name: SENIOR_PROFILE, targetFor: (topic) => defaultTargetFor("senior", topic) },
];

let outline: FrameworkOutline | undefined;

/** The expectations file as an outline; read and parsed once per process. */
export function loadDefaultOutline(): FrameworkOutline {
  if (!outline) {
    const parsed = parseMarkdownOutline(readFileSync(DEFAULT_FRAMEWORK_PATH, "utf8"));
    if (!parsed.categories.length) {
      throw new Error(`${DEFAULT_FRAMEWORK_PATH} has no categories: is it the expectations list?`);
    }
    outline = parsed;
  }
  return outline;
}

/**
 * Installs the default framework in an organisation: its level descriptors (those it already
 * has are kept), the "Node.js senior expectations" framework with the Mid and Senior
 * profiles, and organizations.default_framework_id. Each call creates a new framework, so
 * callers install it once (sign-up, or the seed for organisations that have none).
 * Runs inside the caller's transaction: a handful of multi-row inserts.
 */
export async function installDefaultFramework(
  trx: Kysely<Database>,
  input: { organizationId: string; createdByUserId: string | null },
): Promise<CreatedFramework> {
  await trx
    .insertInto("level_descriptors")
    .values(DEFAULT_LEVEL_DESCRIPTORS.map((d) => ({ organization_id: input.organizationId, ...d })))
    .onConflict((oc) => oc.columns(["organization_id", "level"]).doNothing())
    .execute();
  const created = await createFramework(trx, {
    organizationId: input.organizationId,
    name: DEFAULT_FRAMEWORK_NAME,
    description: DEFAULT_FRAMEWORK_DESCRIPTION,
    outline: loadDefaultOutline(),
    profiles: DEFAULT_PROFILES,
    createdByUserId: input.createdByUserId,
    versionNote: "Default framework",
  });
  await trx
    .updateTable("organizations")
    .set({ default_framework_id: created.frameworkId })
    .where("id", "=", input.organizationId)
    .execute();
  return created;
}
