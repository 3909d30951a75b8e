import { sql, type Kysely } from "kysely";
import type { Database } from "#db/schema";
import { conflict, notFound } from "~/lib/errors.server";

export interface EditableVersionInput {
  organizationId: string;
  frameworkId: string;
  userId: string | null;
  /** Note on the new version, when one is made; defaults to "Edited after <cycle>". */
  note?: string;
}

/**
 * The framework version an edit may write to (ADR 006). Call it first in the edit's
 * transaction, then write to the version it returns.
 *
 * It locks the framework row, so concurrent edits of one framework run one after the other
 * and the second sees the version the first made. A version in use (pinned by an open or
 * closed cycle, or by a report) is never changed: it is copied into version n + 1, which
 * becomes the framework's current version. A version nobody uses is edited in place.
 */
export async function editableVersion(
  trx: Kysely<Database>,
  input: EditableVersionInput,
): Promise<{ versionId: string; created: boolean }> {
  const { organizationId, frameworkId } = input;
  const framework = await trx
    .selectFrom("frameworks")
    .select("current_version_id")
    .where("organization_id", "=", organizationId)
    .where("id", "=", frameworkId)
    .forUpdate()
    .executeTakeFirst();
  if (!framework) throw notFound("Framework");
  const currentId = framework.current_version_id;
  if (!currentId) throw conflict("This framework has no version to edit.");

  const usedBy = await cycleUsingVersion(trx, organizationId, currentId);
  if (!usedBy) return { versionId: currentId, created: false };

  const previous = await trx
    .selectFrom("framework_versions")
    .select((eb) => eb.fn.max("number").as("number"))
    .where("organization_id", "=", organizationId)
    .where("framework_id", "=", frameworkId)
    .executeTakeFirstOrThrow();
  const version = await trx
    .insertInto("framework_versions")
    .values({
      organization_id: organizationId,
      framework_id: frameworkId,
      number: (previous.number ?? 0) + 1,
      note: input.note ?? `Edited after ${usedBy.name}`,
      created_by_user_id: input.userId,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await copyVersionRows(trx, organizationId, currentId, version.id);
  await trx
    .updateTable("frameworks")
    .set({ current_version_id: version.id })
    .where("organization_id", "=", organizationId)
    .where("id", "=", frameworkId)
    .execute();
  return { versionId: version.id, created: true };
}

/**
 * The newest cycle that pins the version: open or closed with it, or reported on under it.
 * A planned cycle does not count: opening it pins the framework's version of that moment.
 */
function cycleUsingVersion(trx: Kysely<Database>, organizationId: string, versionId: string) {
  return trx
    .selectFrom("cycles as c")
    .select("c.name")
    .where("c.organization_id", "=", organizationId)
    .where((eb) =>
      eb.or([
        eb.and([
          eb("c.framework_version_id", "=", versionId),
          eb("c.status", "in", ["open", "closed"]),
        ]),
        eb.exists(
          eb
            .selectFrom("reports as r")
            .select(sql.lit(1).as("one"))
            .whereRef("r.cycle_id", "=", "c.id")
            .where("r.organization_id", "=", organizationId)
            .where("r.framework_version_id", "=", versionId),
        ),
      ]),
    )
    .orderBy("c.starts_on", "desc")
    .executeTakeFirst();
}

/** One INSERT … SELECT per table, parents before children (the foreign keys need them). */
async function copyVersionRows(
  trx: Kysely<Database>,
  organizationId: string,
  fromId: string,
  toId: string,
) {
  const to = sql<string>`${toId}::uuid`.as("framework_version_id");
  await trx
    .insertInto("category_revisions")
    .columns([
      "organization_id",
      "framework_version_id",
      "category_id",
      "name",
      "description",
      "kind",
      "position",
    ])
    .expression((eb) =>
      eb
        .selectFrom("category_revisions")
        .select(["organization_id", to, "category_id", "name", "description", "kind", "position"])
        .where("organization_id", "=", organizationId)
        .where("framework_version_id", "=", fromId),
    )
    .execute();
  await trx
    .insertInto("topic_revisions")
    .columns([
      "organization_id",
      "framework_version_id",
      "topic_id",
      "category_id",
      "name",
      "description",
      "position",
      "retired",
    ])
    .expression((eb) =>
      eb
        .selectFrom("topic_revisions")
        .select([
          "organization_id",
          to,
          "topic_id",
          "category_id",
          "name",
          "description",
          "position",
          "retired",
        ])
        .where("organization_id", "=", organizationId)
        .where("framework_version_id", "=", fromId),
    )
    .execute();
  await trx
    .insertInto("topic_targets")
    .columns([
      "organization_id",
      "framework_version_id",
      "target_profile_id",
      "topic_id",
      "target_level",
      "priority",
    ])
    .expression((eb) =>
      eb
        .selectFrom("topic_targets")
        .select([
          "organization_id",
          to,
          "target_profile_id",
          "topic_id",
          "target_level",
          "priority",
        ])
        .where("organization_id", "=", organizationId)
        .where("framework_version_id", "=", fromId),
    )
    .execute();
  await trx
    .insertInto("topic_level_descriptors")
    .columns(["organization_id", "framework_version_id", "topic_id", "level", "description"])
    .expression((eb) =>
      eb
        .selectFrom("topic_level_descriptors")
        .select(["organization_id", to, "topic_id", "level", "description"])
        .where("organization_id", "=", organizationId)
        .where("framework_version_id", "=", fromId),
    )
    .execute();
}
