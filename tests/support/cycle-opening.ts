// An organisation whose new cycle is about to open, for the reminder fan-out: the benchmark
// and the worker's tests open it and let the worker's reminder scan write to everyone.
import { sql, type Kysely } from "kysely";
import type { Database } from "#db/schema";
import { insertChunked } from "#seeds/bulk";
import { createOrganization } from "~/modules/accounts/organizations.server";

/** One organisation, `members` active members, and a planned cycle that starts today. */
export async function seedOrganizationWithNewCycle(db: Kysely<Database>, members: number) {
  return db.transaction().execute(async (trx) => {
    const admin = await trx
      .insertInto("users")
      .values({
        email: "admin@fanout.gapmap.test",
        display_name: "Fan-out Admin",
        password_hash: null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const org = await createOrganization(trx, {
      name: "Bench Fan-out Org",
      userId: admin.id,
      timeZone: "UTC",
    });
    const version = await trx
      .selectFrom("frameworks")
      .select("current_version_id")
      .where("organization_id", "=", org.organizationId)
      .executeTakeFirstOrThrow();
    for (let i = 1; i < members; i += 1000) {
      const count = Math.min(1000, members - i);
      const users = await trx
        .insertInto("users")
        .values(
          Array.from({ length: count }, (_, k) => ({
            email: `person-${i + k}@fanout.gapmap.test`,
            display_name: `Person ${i + k}`,
            password_hash: null,
          })),
        )
        .returning("id")
        .execute();
      await insertChunked(
        trx,
        "memberships",
        users.map((u) => ({ organization_id: org.organizationId, user_id: u.id })),
      );
    }
    const today = new Date();
    const day = (offset: number) =>
      new Date(today.getTime() + offset * 86_400_000).toISOString().slice(0, 10);
    const cycle = await trx
      .insertInto("cycles")
      .values({
        organization_id: org.organizationId,
        framework_version_id: version.current_version_id as string,
        name: "Fan-out quarter",
        status: "planned",
        starts_on: day(-1),
        // Far enough ahead that no "due in N days" reminder applies: one message each.
        due_on: day(20),
        ends_on: day(60),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return { organizationId: org.organizationId, cycleId: cycle.id };
  });
}

/** An admin opens the cycle: it opens and every active member gets a draft, as openCycle does. */
export async function openCycleForEveryone(db: Kysely<Database>, cycleId: string) {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable("cycles")
      .set({ status: "open", opened_at: new Date() })
      .where("id", "=", cycleId)
      .execute();
    await sql`INSERT INTO assessments (organization_id, cycle_id, member_id)
      SELECT m.organization_id, c.id, m.id FROM cycles c
      JOIN memberships m ON m.organization_id = c.organization_id AND m.active
      WHERE c.id = ${cycleId}`.execute(trx);
  });
}
