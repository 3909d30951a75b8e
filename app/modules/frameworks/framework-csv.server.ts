// The framework CSV download: a framework's current version, read from the tables and
// written by framework-csv.ts.
import { z } from "zod";
import { db } from "#db/database";
import { notFound } from "~/lib/errors.server";
import { slugify } from "~/modules/accounts/organizations.server";
import { type TargetedCategory, type TargetedTopic, writeFrameworkCsv } from "./framework-csv";

/**
 * The current version of one of the organisation's frameworks as a CSV file (retired topics
 * left out). Another organisation's framework, or a malformed id, is "not found".
 */
export async function exportFrameworkCsv(
  organizationId: string,
  frameworkId: string,
): Promise<{ filename: string; body: string }> {
  if (!z.uuid().safeParse(frameworkId).success) throw notFound("Framework");
  const framework = await db
    .selectFrom("frameworks as f")
    .innerJoin("framework_versions as v", "v.id", "f.current_version_id")
    .select(["f.name", "v.id as version_id", "v.number"])
    .where("f.id", "=", frameworkId)
    .where("f.organization_id", "=", organizationId)
    .where("v.organization_id", "=", organizationId)
    .executeTakeFirst();
  if (!framework) throw notFound("Framework");

  const [profiles, rows, resources] = await Promise.all([
    db
      .selectFrom("target_profiles")
      .select(["id", "name"])
      .where("organization_id", "=", organizationId)
      .where("framework_id", "=", frameworkId)
      .orderBy("position")
      .orderBy("name")
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
        "tt.target_profile_id",
        "tt.target_level",
        "tt.priority",
      ])
      .where("t.framework_version_id", "=", framework.version_id)
      .where("t.organization_id", "=", organizationId)
      .where("t.retired", "=", false)
      .orderBy("c.position")
      .orderBy("t.position")
      .execute(),
    db
      .selectFrom("topic_resources as r")
      .innerJoin("topics as t", "t.id", "r.topic_id")
      .select(["r.topic_id", "r.title", "r.url", "r.level"])
      .where("r.organization_id", "=", organizationId)
      .where("t.framework_id", "=", frameworkId)
      .orderBy("r.topic_id")
      .orderBy("r.position")
      .execute(),
  ]);
  const resourcesOf = new Map<string, typeof resources>();
  for (const r of resources)
    resourcesOf.set(r.topic_id, [...(resourcesOf.get(r.topic_id) ?? []), r]);

  // One row per topic × profile (a few thousand at most), folded into the outline.
  const profileIndex = new Map(profiles.map((p, i) => [p.id, i]));
  const categories: (TargetedCategory & { id: string })[] = [];
  let topic: (TargetedTopic & { id: string }) | undefined;
  for (const row of rows) {
    let category = categories.at(-1);
    if (category?.id !== row.category_id) {
      category = { id: row.category_id, name: row.category_name, kind: row.kind, topics: [] };
      categories.push(category);
    }
    if (topic?.id !== row.topic_id) {
      topic = { id: row.topic_id, name: row.name, targets: [] };
      if (row.description) topic.description = row.description;
      const links = resourcesOf.get(row.topic_id);
      if (links) topic.resources = links.map(({ title, url, level }) => ({ title, url, level }));
      category.topics.push(topic);
    }
    const index = row.target_profile_id ? profileIndex.get(row.target_profile_id) : undefined;
    if (index !== undefined && row.target_level !== null && row.priority !== null) {
      topic.targets[index] = { level: row.target_level, priority: row.priority };
    }
  }

  return {
    filename: `${slugify(framework.name)}-v${framework.number}.csv`,
    body: writeFrameworkCsv({ profiles: profiles.map((p) => p.name), categories }),
  };
}
