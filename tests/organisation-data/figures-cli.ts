// `tsx tests/organisation-data/figures-cli.ts <organisation id>`: prints apiFigures() of the
// organisation in DATABASE_URL's database as JSON (for tests comparing two databases).
import { db } from "#db/database";
import { apiFigures } from "./api-figures";

const figures = await apiFigures(process.argv[2] as string);
process.stdout.write(JSON.stringify(figures));
await db.destroy();
