// `npm run db:seed`: migrates, then installs the default framework in every organisation
// that has none. `npm run db:demo` (--demo): also loads the demo organisation and prints
// its logins. Both are safe to run again: they only add what is missing.
import { type Kysely } from "kysely";
import { db } from "#db/database";
import { prepareDatabase } from "#db/prepare";
import { stopEmbeddedPostgres } from "#db/provision";
import type { Database } from "#db/schema";
import { installDefaultFramework } from "./default-framework";
import { DEMO_LOGINS, DEMO_ORGANIZATION_NAME, seedDemo } from "./demo";

const USAGE = "usage: tsx seeds/run.ts [--demo]";

/** "11 categories + role expectations, 56 topics + 4" for a framework version. */
async function describeVersion(executor: Kysely<Database>, versionId: string) {
  const rows = await executor
    .selectFrom("category_revisions as cr")
    .leftJoin("topic_revisions as tr", (join) =>
      join
        .onRef("tr.framework_version_id", "=", "cr.framework_version_id")
        .onRef("tr.category_id", "=", "cr.category_id")
        .on("tr.retired", "=", false),
    )
    .select((eb) => [
      "cr.kind",
      eb.fn.count<number>("cr.category_id").distinct().as("categories"),
      eb.fn.count<number>("tr.topic_id").as("topics"),
    ])
    .where("cr.framework_version_id", "=", versionId)
    .groupBy("cr.kind")
    .execute();
  const skills = rows.find((r) => r.kind === "skills");
  const roles = rows.find((r) => r.kind === "role_expectations");
  const categories = `${skills?.categories ?? 0} categories${roles?.categories ? " + role expectations" : ""}`;
  const topics = `${skills?.topics ?? 0} topics${roles?.topics ? ` + ${roles.topics}` : ""}`;
  return `${categories}, ${topics}`;
}

/** Installs the default framework wherever an organisation has no default framework. */
async function installMissingFrameworks() {
  const missing = await db
    .selectFrom("organizations")
    .select("id")
    .where("default_framework_id", "is", null)
    .orderBy("created_at")
    .execute();
  let installed = 0;
  let description: string | null = null;
  for (const { id } of missing) {
    const done = await db.transaction().execute(async (trx) => {
      // Row lock and re-check: a concurrent run (or sign-up) may have installed it meanwhile.
      const org = await trx
        .selectFrom("organizations")
        .select("default_framework_id")
        .where("id", "=", id)
        .forUpdate()
        .executeTakeFirst();
      if (!org || org.default_framework_id) return null;
      const admin = await trx
        .selectFrom("memberships")
        .select("user_id")
        .where("organization_id", "=", id)
        .where("role", "=", "admin")
        .orderBy("created_at")
        .executeTakeFirst();
      // Also sets organizations.default_framework_id.
      const { versionId } = await installDefaultFramework(trx, {
        organizationId: id,
        createdByUserId: admin?.user_id ?? null,
      });
      return describeVersion(trx, versionId);
    });
    if (done === null) continue;
    description ??= done;
    installed++;
  }
  const total = await db
    .selectFrom("organizations")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  const plural = (n: number) => `${n} organisation${n === 1 ? "" : "s"}`;
  console.log(
    description
      ? `default framework: ${description}; installed in ${plural(installed)}`
      : total.n
        ? `default framework: already installed in every organisation (${plural(total.n)})`
        : "default framework: no organisations yet (each new one gets it when created)",
  );
}

async function loadDemo() {
  const started = performance.now();
  const result = await seedDemo();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    result.created
      ? `demo organisation "${DEMO_ORGANIZATION_NAME}" created in ${seconds} s: ${result.members} members, ${result.ratings} ratings`
      : `demo organisation already present (${result.members} members, ${result.ratings} ratings); nothing changed`,
  );
  console.log("demo logins:");
  const width = Math.max(...DEMO_LOGINS.map((l) => l.email.length));
  for (const login of DEMO_LOGINS) {
    console.log(
      `  ${login.role.padEnd(8)} ${login.email.padEnd(width)}  password: ${login.password}`,
    );
  }
}

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== "--demo");
if (unknown.length) {
  console.error(`unknown argument ${unknown.join(" ")}\n${USAGE}`);
  process.exit(2);
}

try {
  await prepareDatabase((message) => console.log(message));
  await installMissingFrameworks();
  if (args.includes("--demo")) await loadDemo();
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
} finally {
  await db.destroy();
  await stopEmbeddedPostgres();
}
