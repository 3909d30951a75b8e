import type { z } from "zod";
import { db } from "#db/database";
import { notFound } from "~/lib/errors.server";
import type { MemberContext } from "~/modules/accounts/auth.server";
import { recordAudit } from "~/modules/audit/audit.server";
import { editFramework } from "./framework-editing.server";
import type { DefaultDescriptorsSchema, TopicDescriptorsSchema } from "./level-descriptor-schemas";

export { DefaultDescriptorsSchema, TopicDescriptorsSchema } from "./level-descriptor-schemas";

/**
 * The 0–4 scale as the organisation words it (its defaults), and per-topic overrides in one
 * framework version: `overrides[topicId][level]`.
 */
export async function levelDescriptorsForVersion(organizationId: string, versionId: string) {
  const [defaults, rows] = await Promise.all([
    db
      .selectFrom("level_descriptors")
      .select(["level", "label", "description"])
      .where("organization_id", "=", organizationId)
      .orderBy("level")
      .execute(),
    db
      .selectFrom("topic_level_descriptors")
      .select(["topic_id", "level", "description"])
      .where("organization_id", "=", organizationId)
      .where("framework_version_id", "=", versionId)
      .execute(),
  ]);
  const overrides: Record<string, Record<number, string>> = {};
  for (const row of rows) (overrides[row.topic_id] ??= {})[row.level] = row.description;
  return { defaults, overrides };
}

export function listDefaultLevelDescriptors(organizationId: string) {
  return db
    .selectFrom("level_descriptors")
    .select(["level", "label", "description"])
    .where("organization_id", "=", organizationId)
    .orderBy("level")
    .execute();
}

/** The organisation's wording of the 0–4 scale; not versioned, it belongs to the organisation. */
export async function saveDefaultLevelDescriptors(
  ctx: MemberContext,
  input: z.infer<typeof DefaultDescriptorsSchema>,
  ip: string | null = null,
) {
  const rows = [0, 1, 2, 3, 4].map((level) => ({
    organization_id: ctx.organization.id,
    level,
    label: input[`label.${level}`] as string,
    description: input[`description.${level}`] as string,
  }));
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto("level_descriptors")
      .values(rows)
      .onConflict((oc) =>
        oc.columns(["organization_id", "level"]).doUpdateSet((eb) => ({
          label: eb.ref("excluded.label"),
          description: eb.ref("excluded.description"),
        })),
      )
      .execute();
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        action: "levels.update",
        objectType: "organization",
        objectId: ctx.organization.id,
        ip,
      },
      trx,
    );
  });
}

/** The topic's own wording per level in its framework's editable version; blank uses the default. */
export async function getTopicDescriptors(
  organizationId: string,
  frameworkId: string,
  topicId: string,
) {
  const topic = await db
    .selectFrom("frameworks as f")
    .innerJoin("topic_revisions as t", (join) =>
      join.onRef("t.framework_version_id", "=", "f.current_version_id"),
    )
    .select([
      "f.id as framework_id",
      "f.name as framework_name",
      "t.topic_id",
      "t.name",
      "f.current_version_id",
    ])
    .where("f.organization_id", "=", organizationId)
    .where("f.id", "=", frameworkId)
    .where("t.topic_id", "=", topicId)
    .executeTakeFirst();
  if (!topic?.current_version_id) throw notFound("Topic");
  const descriptors = await levelDescriptorsForVersion(organizationId, topic.current_version_id);
  return { topic, defaults: descriptors.defaults, overrides: descriptors.overrides[topicId] ?? {} };
}

export function saveTopicDescriptors(
  ctx: MemberContext,
  frameworkId: string,
  topicId: string,
  input: z.infer<typeof TopicDescriptorsSchema>,
  ip: string | null = null,
) {
  return editFramework(ctx, frameworkId, "framework.topic_levels", ip, async (trx, versionId) => {
    const topic = await trx
      .selectFrom("topic_revisions")
      .select("topic_id")
      .where("framework_version_id", "=", versionId)
      .where("topic_id", "=", topicId)
      .executeTakeFirst();
    if (!topic) throw notFound("Topic");
    await trx
      .deleteFrom("topic_level_descriptors")
      .where("framework_version_id", "=", versionId)
      .where("topic_id", "=", topicId)
      .execute();
    const rows = [0, 1, 2, 3, 4]
      .map((level) => ({ level, description: input[`description.${level}`] ?? "" }))
      .filter((r) => r.description)
      .map((r) => ({
        organization_id: ctx.organization.id,
        framework_version_id: versionId,
        topic_id: topicId,
        ...r,
      }));
    if (rows.length) await trx.insertInto("topic_level_descriptors").values(rows).execute();
    return { objectId: topicId, details: { levels: rows.map((r) => r.level) }, result: {} };
  });
}
