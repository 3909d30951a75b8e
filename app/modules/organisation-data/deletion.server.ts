import { sql, type Kysely } from "kysely";
import { db as defaultDb } from "#db/database";
import type { Database } from "#db/schema";
import { env } from "~/lib/env.server";
import { conflict, invalid, notFound } from "~/lib/errors.server";
import { logger } from "~/lib/logger.server";
import type { MemberContext } from "~/modules/accounts/auth.server";
import { recordAudit } from "~/modules/audit/audit.server";
import { ownRows, readTenantSchema, rowColumns } from "./tenant-tables.server";

// Deleting an organisation: an admin types its name; it is closed at once (nobody signs in,
// its sessions end, its API tokens are revoked, no reminder is planned for it) and erased by
// the worker once GAPMAP_DELETION_GRACE_DAYS have passed, unless one of its admins cancels.
// Erasure removes its rows from every tenant table (read from the schema, as the export does)
// and the accounts of its people who belong to no other organisation.

export async function closeOrganisation(ctx: MemberContext, typedName: string, ip: string | null) {
  if (typedName.trim() !== ctx.organization.name)
    throw invalid("Type the organisation's name exactly to confirm.", {
      confirmName: `Type “${ctx.organization.name}” to confirm.`,
    });
  const eraseAfter = new Date(Date.now() + env().GAPMAP_DELETION_GRACE_DAYS * 86_400_000);
  await defaultDb.transaction().execute(async (trx) => {
    const closed = await trx
      .updateTable("organizations")
      .set({ closed_at: new Date(), erase_after: eraseAfter, closed_by_user_id: ctx.user.id })
      .where("id", "=", ctx.organization.id)
      .where("closed_at", "is", null)
      .executeTakeFirst();
    if (!closed.numUpdatedRows) throw conflict("This organisation is already closed.");
    await trx.deleteFrom("sessions").where("organization_id", "=", ctx.organization.id).execute();
    await trx
      .updateTable("api_tokens")
      .set({ revoked_at: new Date() })
      .where("organization_id", "=", ctx.organization.id)
      .where("revoked_at", "is", null)
      .execute();
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        action: "organization.closed",
        objectType: "organization",
        objectId: ctx.organization.id,
        details: { eraseAfter: eraseAfter.toISOString() },
        ip,
      },
      trx,
    );
  });
  return { eraseAfter };
}

/** One of the closed organisation's admins takes the deletion back (revoked tokens stay revoked). */
export async function cancelDeletion(userId: string, organizationId: string, ip: string | null) {
  await defaultDb.transaction().execute(async (trx) => {
    const admin = await trx
      .selectFrom("memberships")
      .select("id")
      .where("organization_id", "=", organizationId)
      .where("user_id", "=", userId)
      .where("active", "=", true)
      .where("role", "=", "admin")
      .executeTakeFirst();
    if (!admin) throw notFound("Organisation");
    const reopened = await trx
      .updateTable("organizations")
      .set({ closed_at: null, erase_after: null, closed_by_user_id: null })
      .where("id", "=", organizationId)
      .where("closed_at", "is not", null)
      .executeTakeFirst();
    if (!reopened.numUpdatedRows) throw conflict("This organisation is not closed.");
    await recordAudit(
      {
        organizationId,
        actorUserId: userId,
        action: "organization.deletion_cancelled",
        objectType: "organization",
        objectId: organizationId,
        ip,
      },
      trx,
    );
  });
}

/** The worker's part: every closed organisation whose grace has passed is erased. */
export async function eraseDueOrganisations(now = new Date()) {
  const due = await defaultDb
    .selectFrom("organizations")
    .select(["id", "name"])
    .where("closed_at", "is not", null)
    .where("erase_after", "<=", now)
    .execute();
  for (const org of due) {
    const removed = await eraseOrganisation(org.id);
    logger.info(
      { organizationId: org.id, rows: removed },
      "closed organisation erased after its grace period",
    );
  }
  return { erasedOrganizations: due.length };
}

/** Removes the organisation's rows from every tenant table, children first, in one transaction. */
export async function eraseOrganisation(organizationId: string, db: Kysely<Database> = defaultDb) {
  const schema = await readTenantSchema(db);
  return db.transaction().execute(async (trx) => {
    // Ratings are append-only and reports frozen, except to an erasure (migration 0018).
    await sql`SELECT set_config('gapmap.erasure', 'on', true)`.execute(trx);
    const people = (
      await trx
        .selectFrom("memberships")
        .select("user_id")
        .where("organization_id", "=", organizationId)
        .execute()
    ).map((m) => m.user_id);
    // References that point forward in the order (a framework's current version) are cut first.
    for (const [name, fks] of schema.deferred) {
      const table = schema.byName.get(name)!;
      const columns = fks.flatMap(rowColumns);
      await sql`UPDATE ${sql.table(name)} t SET ${sql.join(columns.map((c) => sql`${sql.ref(c)} = NULL`))}
        WHERE ${ownRows(schema, table, organizationId)}`.execute(trx);
    }
    let removed = 0;
    for (const table of [...schema.tables].reverse()) {
      if (table.name === "users" || table.name === "organizations" || !table.hasOrganizationId)
        continue;
      const result =
        await sql`DELETE FROM ${sql.table(table.name)} t WHERE ${ownRows(schema, table, organizationId)}`.execute(
          trx,
        );
      removed += Number(result.numAffectedRows ?? 0);
    }
    await trx.deleteFrom("organizations").where("id", "=", organizationId).execute();
    // Their accounts go too, unless they belong to another organisation (sessions and reset
    // links go with the account).
    if (people.length) {
      const gone = await trx
        .deleteFrom("users")
        .where("id", "in", people)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom("memberships")
                .select("id")
                .whereRef("memberships.user_id", "=", "users.id"),
            ),
          ),
        )
        .executeTakeFirst();
      removed += Number(gone.numDeletedRows);
    }
    return removed + 1;
  });
}
