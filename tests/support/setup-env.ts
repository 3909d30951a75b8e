import { afterEach, inject } from "vitest";
import { runTestCleanups } from "./test-cleanups";

process.env.DATABASE_URL = inject("databaseUrl");
process.env.GAPMAP_TEST_TEMPLATE_DATABASE_URL = inject("templateDatabaseUrl");
process.env.SESSION_SECRET ??= "test-session-secret-that-is-long-enough-0123456789";
process.env.METRICS_TOKEN ??= "test-metrics-token-0123456789";
process.env.ENCRYPTION_KEY ??= "0123456789abcdef".repeat(4);
process.env.APP_URL ??= "http://localhost:3000";
process.env.LOG_LEVEL ??= "silent";
// Queues of this run's own, on a Redis shared with other runs.
process.env.GAPMAP_QUEUE_PREFIX ??= `test-${new URL(process.env.DATABASE_URL).pathname.slice(1)}`;

afterEach(runTestCleanups);
