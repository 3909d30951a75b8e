import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { CategoryKind, Database, TargetPriority } from "#db/schema";
import type { FrameworkOutline } from "./markdown-outline";

export interface TargetSpec {
  level: number;
  priority: TargetPriority;
}

export interface ProfileSpec {
  name: string;
  targetFor(topic: { category: string; name: string; kind: CategoryKind }): TargetSpec;
}

export interface CreateFrameworkInput {
  organizationId: string;
  name: string;
  description?: string;
  outline: FrameworkOutline;
  /** In display order (e.g. Mid before Senior): stored as target_profiles.position. */
  profiles: ProfileSpec[];
  createdByUserId: string | null;
  /** Note on version 1. */
  versionNote?: string;
}

export interface CreatedFramework {
  frameworkId: string;
  versionId: string;
  /** Target profile id by profile name. */
  profileIds: Record<string, string>;
}

const PRIORITIES: readonly TargetPriority[] = ["must_have", "good_to_have", "advanced"];
// Postgres accepts at most 65,535 bind parameters per statement.
const MAX_PARAMETERS = 65_535;

function chunk<T>(rows: T[], columns: number): T[][] {
  const size = Math.floor(MAX_PARAMETERS / columns);
  const chunks: T[][] = [];
  for (let i = 0; i < rows.length; i += size) chunks.push(rows.slice(i, i + size));
  return chunks;
}

/**
 * Creates a framework with its version 1 from an outline: categories and topics in outline
 * order, the target profiles, and a target (level and priority) for every topic × profile.
 * Run it inside the caller's transaction.
 *
 * Positions: categories are numbered 0..n-1 in the version; topics 0..m-1 within their
 * category (order by category position, then topic position).
 *
 * Ids are generated here so that each table takes one multi-row insert (chunked only past
 * Postgres' parameter limit), whatever the number of topics.
 */
export async function createFramework(
  trx: Kysely<Database>,
  input: CreateFrameworkInput,
): Promise<CreatedFramework> {
  const organizationId = input.organizationId;
  const profileNames = new Set<string>();
  for (const profile of input.profiles) {
    const key = profile.name.trim().toLowerCase();
    if (!key) throw new Error("A target profile needs a name");
    if (profileNames.has(key)) throw new Error(`Duplicate target profile "${profile.name}"`);
    profileNames.add(key);
  }

  const frameworkId = randomUUID();
  const versionId = randomUUID();
  const categories = input.outline.categories.map((category, position) => ({
    id: randomUUID(),
    position,
    category,
  }));
  const topics = categories.flatMap(({ id: categoryId, category }) =>
    category.topics.map((topic, position) => ({
      id: randomUUID(),
      categoryId,
      position,
      topic,
      key: { category: category.name, name: topic.name, kind: category.kind },
    })),
  );
  const profiles = input.profiles.map((spec, position) => ({ id: randomUUID(), position, spec }));

  const targets = profiles.flatMap(({ id: profileId, spec }) =>
    topics.map(({ id: topicId, key }) => {
      const { level, priority } = spec.targetFor(key);
      if (!Number.isInteger(level) || level < 0 || level > 4) {
        throw new Error(`Target level ${level} for "${key.name}" (${spec.name}) is not 0–4`);
      }
      if (!PRIORITIES.includes(priority)) {
        throw new Error(`Priority "${priority}" for "${key.name}" (${spec.name}) is unknown`);
      }
      return {
        organization_id: organizationId,
        framework_version_id: versionId,
        target_profile_id: profileId,
        topic_id: topicId,
        target_level: level,
        priority,
      };
    }),
  );

  await trx
    .insertInto("frameworks")
    .values({
      id: frameworkId,
      organization_id: organizationId,
      name: input.name,
      description: input.description ?? null,
    })
    .execute();
  await trx
    .insertInto("framework_versions")
    .values({
      id: versionId,
      organization_id: organizationId,
      framework_id: frameworkId,
      number: 1,
      note: input.versionNote ?? null,
      created_by_user_id: input.createdByUserId,
    })
    .execute();

  for (const rows of chunk(categories, 3)) {
    await trx
      .insertInto("categories")
      .values(
        rows.map(({ id }) => ({ id, organization_id: organizationId, framework_id: frameworkId })),
      )
      .execute();
  }
  for (const rows of chunk(categories, 7)) {
    await trx
      .insertInto("category_revisions")
      .values(
        rows.map(({ id, position, category }) => ({
          organization_id: organizationId,
          framework_version_id: versionId,
          category_id: id,
          name: category.name,
          description: null,
          kind: category.kind,
          position,
        })),
      )
      .execute();
  }
  for (const rows of chunk(topics, 3)) {
    await trx
      .insertInto("topics")
      .values(
        rows.map(({ id }) => ({ id, organization_id: organizationId, framework_id: frameworkId })),
      )
      .execute();
  }
  for (const rows of chunk(topics, 7)) {
    await trx
      .insertInto("topic_revisions")
      .values(
        rows.map(({ id, categoryId, position, topic }) => ({
          organization_id: organizationId,
          framework_version_id: versionId,
          topic_id: id,
          category_id: categoryId,
          name: topic.name,
          description: topic.description ?? null,
          position,
        })),
      )
      .execute();
  }
  if (profiles.length) {
    await trx
      .insertInto("target_profiles")
      .values(
        profiles.map(({ id, position, spec }) => ({
          id,
          organization_id: organizationId,
          framework_id: frameworkId,
          name: spec.name.trim(),
          position,
        })),
      )
      .execute();
  }
  for (const rows of chunk(targets, 6)) {
    await trx.insertInto("topic_targets").values(rows).execute();
  }
  const resources = topics.flatMap(({ id, topic }) =>
    (topic.resources ?? []).map((r, position) => ({
      organization_id: organizationId,
      topic_id: id,
      title: r.title,
      url: r.url,
      level: r.level,
      position,
    })),
  );
  for (const rows of chunk(resources, 6)) {
    await trx.insertInto("topic_resources").values(rows).execute();
  }

  await trx
    .updateTable("frameworks")
    .set({ current_version_id: versionId })
    .where("id", "=", frameworkId)
    .where("organization_id", "=", organizationId)
    .execute();

  return {
    frameworkId,
    versionId,
    profileIds: Object.fromEntries(profiles.map(({ id, spec }) => [spec.name.trim(), id])),
  };
}
