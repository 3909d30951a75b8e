// `npm run db:migrate`: applies pending migrations to DATABASE_URL (or the embedded server).
import { prepareDatabase } from "./prepare";
import { stopEmbeddedPostgres } from "./provision";

try {
  await prepareDatabase((m) => console.log(m));
  console.log("database is up to date");
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await stopEmbeddedPostgres();
}
