import type { Kysely } from "kysely";
import { db } from "#db/database";
import type { Database } from "#db/schema";

/**
 * The organisation's open cycle (there is at most one), or undefined. In a transaction that
 * writes ratings, `forShare` makes closing the cycle (which locks it for update) wait for
 * the write, and the write wait for a close in flight.
 */
export function findOpenCycle(
  organizationId: string,
  { executor = db, forShare = false }: { executor?: Kysely<Database>; forShare?: boolean } = {},
) {
  let query = executor
    .selectFrom("cycles")
    .select(["id", "name", "starts_on", "due_on", "ends_on", "framework_version_id"])
    .where("organization_id", "=", organizationId)
    .where("status", "=", "open");
  if (forShare) query = query.forShare();
  return query.executeTakeFirst();
}
