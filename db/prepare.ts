import { createDatabase } from "./database";
import { migrateToLatest } from "./migrator";
import { EmbeddedPostgresError, provisionDatabase } from "./provision";

/**
 * Provisions the database (embedded when unconfigured) and applies pending migrations. Every
 * caller is a command's entry point: an embedded server that cannot start ends the process
 * with the message that says why and what to do, not a stack trace.
 */
export async function prepareDatabase(log: (msg: string) => void) {
  let url: string;
  try {
    url = await provisionDatabase(log);
  } catch (error) {
    if (!(error instanceof EmbeddedPostgresError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  const migrationDb = createDatabase(url);
  try {
    const applied = await migrateToLatest(migrationDb);
    if (applied.length) log(`migrations applied: ${applied.join(", ")}`);
  } finally {
    await migrationDb.destroy();
  }
  return url;
}
