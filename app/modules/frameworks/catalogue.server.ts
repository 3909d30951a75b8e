import { db } from "#db/database";
import type { CategoryKind, TargetPriority } from "#db/schema";

export interface CatalogueTopic {
  id: string;
  name: string;
  description: string | null;
  retired: boolean;
  targets: Record<string, { level: number; priority: TargetPriority }>;
}

export interface CatalogueCategory {
  id: string;
  name: string;
  kind: CategoryKind;
  topics: CatalogueTopic[];
}

/**
 * The organisation's default framework as of its current version: categories and topics
 * in order, with each target profile's level and priority. Null when it has none.
 */
export async function getCurrentCatalogue(organizationId: string) {
  const framework = await db
    .selectFrom("organizations as o")
    .innerJoin("frameworks as f", "f.id", "o.default_framework_id")
    .innerJoin("framework_versions as v", "v.id", "f.current_version_id")
    .select(["f.id", "f.name", "v.id as version_id", "v.number as version"])
    .where("o.id", "=", organizationId)
    .where("f.organization_id", "=", organizationId)
    .executeTakeFirst();
  if (!framework) return null;

  const [profiles, rows, levels] = await Promise.all([
    db
      .selectFrom("target_profiles")
      .select(["id", "name"])
      .where("organization_id", "=", organizationId)
      .where("framework_id", "=", framework.id)
      .orderBy("position")
      .execute(),
    db
      .selectFrom("topic_revisions as t")
      .innerJoin("category_revisions as c", (join) =>
        join
          .onRef("c.framework_version_id", "=", "t.framework_version_id")
          .onRef("c.category_id", "=", "t.category_id"),
      )
      .leftJoin("topic_targets as tt", (join) =>
        join
          .onRef("tt.framework_version_id", "=", "t.framework_version_id")
          .onRef("tt.topic_id", "=", "t.topic_id"),
      )
      .select([
        "c.category_id",
        "c.name as category_name",
        "c.kind",
        "t.topic_id",
        "t.name",
        "t.description",
        "t.retired",
        "tt.target_profile_id",
        "tt.target_level",
        "tt.priority",
      ])
      .where("t.framework_version_id", "=", framework.version_id)
      .where("t.organization_id", "=", organizationId)
      .orderBy("c.position")
      .orderBy("t.position")
      .execute(),
    db
      .selectFrom("level_descriptors")
      .select(["level", "label", "description"])
      .where("organization_id", "=", organizationId)
      .orderBy("level")
      .execute(),
  ]);

  // Rows come one per topic × profile (≤ a few thousand); folding them keeps one query.
  const categories: CatalogueCategory[] = [];
  const topicsById = new Map<string, CatalogueTopic>();
  for (const row of rows) {
    let category = categories.at(-1);
    if (!category || category.id !== row.category_id) {
      category = { id: row.category_id, name: row.category_name, kind: row.kind, topics: [] };
      categories.push(category);
    }
    let topic = topicsById.get(row.topic_id);
    if (!topic) {
      topic = {
        id: row.topic_id,
        name: row.name,
        description: row.description,
        retired: row.retired,
        targets: {},
      };
      topicsById.set(row.topic_id, topic);
      category.topics.push(topic);
    }
    if (row.target_profile_id && row.target_level !== null && row.priority !== null) {
      topic.targets[row.target_profile_id] = { level: row.target_level, priority: row.priority };
    }
  }
  return { framework, profiles, categories, levels };
}
