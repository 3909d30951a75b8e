import { db } from "#db/database";

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
