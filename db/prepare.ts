import { createDatabase } from "./database";
import { migrateToLatest } from "./migrator";
import { provisionDatabase } from "./provision";

/** Provisions the database (embedded when unconfigured) and applies pending migrations. */
export async function prepareDatabase(log: (msg: string) => void) {
  const url = await provisionDatabase(log);
  const migrationDb = createDatabase(url);
  try {
    const applied = await migrateToLatest(migrationDb);
    if (applied.length) log(`migrations applied: ${applied.join(", ")}`);
  } finally {
    await migrationDb.destroy();
  }
  return url;
}
