import type { Transaction } from "kysely";
import { sql } from "kysely";
import { z } from "zod";
import { db } from "#db/database";
import type { Database } from "#db/schema";
import { conflict, notFound } from "~/lib/errors.server";
import type { MemberContext } from "~/modules/accounts/auth.server";
import { recordAudit } from "~/modules/audit/audit.server";
import { editableVersion } from "./versioning.server";

export const TopicSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, "Give the topic a name.")
    .max(200, "Keep the name under 200 characters."),
  description: z
    .string()
    .trim()
    .max(2000, "Keep the description under 2,000 characters.")
    .transform((v) => v || null),
});
export type TopicInput = z.infer<typeof TopicSchema>;

/** Where a new topic (or a new profile) starts, until an admin sets its targets. */
export const NEW_TOPIC_TARGET = { target_level: 2, priority: "good_to_have" as const };

export function listFrameworks(organizationId: string) {
  return db
    .selectFrom("frameworks as f")
    .innerJoin("organizations as o", "o.id", "f.organization_id")
    .innerJoin("framework_versions as v", "v.id", "f.current_version_id")
    .select((eb) => [
      "f.id",
      "f.name",
      "v.number as version",
      eb(eb.ref("o.default_framework_id"), "=", eb.ref("f.id")).as("is_default"),
      eb
        .selectFrom("topic_revisions as t")
        .select(eb.fn.countAll<number>().as("n"))
        .whereRef("t.framework_version_id", "=", "v.id")
        .where("t.retired", "=", false)
        .as("topics"),
    ])
    .where("f.organization_id", "=", organizationId)
    .where("f.archived_at", "is", null)
    .orderBy("f.created_at")
    .execute();
}

/** The framework's current version for the editor: every category and topic, retired ones too. */
export async function getFrameworkForEditing(organizationId: string, frameworkId: string) {
  const framework = await db
    .selectFrom("frameworks as f")
    .innerJoin("framework_versions as v", "v.id", "f.current_version_id")
    .select(["f.id", "f.name", "v.id as version_id", "v.number as version"])
    .where("f.organization_id", "=", organizationId)
    .where("f.id", "=", frameworkId)
    .executeTakeFirst();
  if (!framework) throw notFound("Framework");
  const [rows, versions] = await Promise.all([
    db
      .selectFrom("category_revisions as c")
      .leftJoin("topic_revisions as t", (join) =>
        join
          .onRef("t.framework_version_id", "=", "c.framework_version_id")
          .onRef("t.category_id", "=", "c.category_id"),
      )
      .select([
        "c.category_id",
        "c.name as category_name",
        "c.description as category_description",
        "c.kind",
        "t.topic_id",
        "t.name",
        "t.description",
        "t.retired",
      ])
      .where("c.framework_version_id", "=", framework.version_id)
      .orderBy("c.position")
      .orderBy("t.position")
      .execute(),
    db
      .selectFrom("framework_versions as v")
      .leftJoin("users as u", "u.id", "v.created_by_user_id")
      .select(["v.id", "v.number", "v.note", "v.created_at", "u.display_name as created_by"])
      .where("v.framework_id", "=", framework.id)
      .orderBy("v.number", "desc")
      .execute(),
  ]);
  const categories: {
    id: string;
    name: string;
    description: string | null;
    kind: string;
    topics: { id: string; name: string; description: string | null; retired: boolean }[];
  }[] = [];
  for (const row of rows) {
    let category = categories.at(-1);
    if (!category || category.id !== row.category_id) {
      category = {
        id: row.category_id,
        name: row.category_name,
        description: row.category_description,
        kind: row.kind,
        topics: [],
      };
      categories.push(category);
    }
    if (row.topic_id && row.name !== null) {
      category.topics.push({
        id: row.topic_id,
        name: row.name,
        description: row.description,
        retired: row.retired ?? false,
      });
    }
  }
  return { framework, categories, versions };
}

type Trx = Transaction<Database>;

async function topicIn(trx: Trx, versionId: string, topicId: string) {
  const topic = await trx
    .selectFrom("topic_revisions")
    .select(["topic_id", "category_id", "name", "position", "retired"])
    .where("framework_version_id", "=", versionId)
    .where("topic_id", "=", topicId)
    .executeTakeFirst();
  if (!topic) throw notFound("Topic");
  return topic;
}

async function assertNameFree(
  trx: Trx,
  versionId: string,
  categoryId: string,
  name: string,
  exceptTopicId?: string,
) {
  let query = trx
    .selectFrom("topic_revisions")
    .select("topic_id")
    .where("framework_version_id", "=", versionId)
    .where("category_id", "=", categoryId)
    .where((eb) => eb(eb.fn("lower", ["name"]), "=", name.toLowerCase()));
  if (exceptTopicId) query = query.where("topic_id", "<>", exceptTopicId);
  if (await query.executeTakeFirst())
    throw conflict("Name taken", { name: "This category already has a topic with this name." });
}

/** Runs one edit of a framework in a transaction on its editable version, and audits it. */
export async function editFramework<T>(
  ctx: MemberContext,
  frameworkId: string,
  action: string,
  ip: string | null,
  work: (
    trx: Trx,
    versionId: string,
  ) => Promise<{ objectId: string; details?: Record<string, unknown>; result: T }>,
) {
  return db.transaction().execute(async (trx) => {
    const { versionId, created } = await editableVersion(trx, {
      organizationId: ctx.organization.id,
      frameworkId,
      userId: ctx.user.id,
    });
    const done = await work(trx, versionId);
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        action,
        // "framework.topic_add" → "topic": the object the action names.
        objectType: action.split(".")[1]?.split("_")[0] ?? "framework",
        objectId: done.objectId,
        details: { ...done.details, frameworkId, versionId, newVersion: created },
        ip,
      },
      trx,
    );
    return { ...done.result, newVersion: created };
  });
}

export function updateTopic(
  ctx: MemberContext,
  frameworkId: string,
  topicId: string,
  input: TopicInput,
  ip: string | null = null,
) {
  return editFramework(ctx, frameworkId, "framework.topic_update", ip, async (trx, versionId) => {
    const topic = await topicIn(trx, versionId, topicId);
    await assertNameFree(trx, versionId, topic.category_id, input.name, topicId);
    await trx
      .updateTable("topic_revisions")
      .set({ name: input.name, description: input.description })
      .where("framework_version_id", "=", versionId)
      .where("topic_id", "=", topicId)
      .execute();
    return { objectId: topicId, details: { from: topic.name, to: input.name }, result: {} };
  });
}

export function addTopic(
  ctx: MemberContext,
  frameworkId: string,
  categoryId: string,
  input: TopicInput,
  ip: string | null = null,
) {
  return editFramework(ctx, frameworkId, "framework.topic_add", ip, async (trx, versionId) => {
    const category = await trx
      .selectFrom("category_revisions")
      .select("category_id")
      .where("framework_version_id", "=", versionId)
      .where("category_id", "=", categoryId)
      .executeTakeFirst();
    if (!category) throw notFound("Category");
    await assertNameFree(trx, versionId, categoryId, input.name);
    const topic = await trx
      .insertInto("topics")
      .values({ organization_id: ctx.organization.id, framework_id: frameworkId })
      .returning("id")
      .executeTakeFirstOrThrow();
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
      ])
      .expression((eb) =>
        eb
          .selectFrom("topic_revisions")
          .select([
            sql<string>`${ctx.organization.id}::uuid`.as("o"),
            sql<string>`${versionId}::uuid`.as("v"),
            sql<string>`${topic.id}::uuid`.as("t"),
            sql<string>`${categoryId}::uuid`.as("c"),
            sql<string>`${input.name}`.as("n"),
            sql<string | null>`${input.description}`.as("d"),
            sql<number>`coalesce(max(position) + 1, 0)`.as("p"),
          ])
          .where("framework_version_id", "=", versionId)
          .where("category_id", "=", categoryId),
      )
      .execute();
    const profiles = await trx
      .selectFrom("target_profiles")
      .select("id")
      .where("framework_id", "=", frameworkId)
      .execute();
    if (profiles.length) {
      await trx
        .insertInto("topic_targets")
        .values(
          profiles.map((p) => ({
            organization_id: ctx.organization.id,
            framework_version_id: versionId,
            target_profile_id: p.id,
            topic_id: topic.id,
            ...NEW_TOPIC_TARGET,
          })),
        )
        .execute();
    }
    return { objectId: topic.id, details: { name: input.name }, result: { topicId: topic.id } };
  });
}

/** Retiring keeps the topic and its ratings; it leaves cycles opened from now on. */
export function setTopicRetired(
  ctx: MemberContext,
  frameworkId: string,
  topicId: string,
  retired: boolean,
  ip: string | null = null,
) {
  return editFramework(
    ctx,
    frameworkId,
    retired ? "framework.topic_retire" : "framework.topic_restore",
    ip,
    async (trx, versionId) => {
      await topicIn(trx, versionId, topicId);
      await trx
        .updateTable("topic_revisions")
        .set({ retired })
        .where("framework_version_id", "=", versionId)
        .where("topic_id", "=", topicId)
        .execute();
      return { objectId: topicId, result: {} };
    },
  );
}

/** Swaps the positions of two topics (or two categories) of a version, in one statement. */
async function swapPositions(
  trx: Trx,
  table: "topic_revisions" | "category_revisions",
  versionId: string,
  [a, aPosition]: [string, number],
  [b, bPosition]: [string, number],
) {
  const id = sql.ref(table === "topic_revisions" ? "topic_id" : "category_id");
  await sql`
    UPDATE ${sql.table(table)}
    SET position = CASE WHEN ${id} = ${a}::uuid THEN ${bPosition}::int ELSE ${aPosition}::int END
    WHERE framework_version_id = ${versionId} AND ${id} IN (${a}::uuid, ${b}::uuid)`.execute(trx);
}

/** Swaps the topic with its neighbour above or below in the same category. */
export function moveTopic(
  ctx: MemberContext,
  frameworkId: string,
  topicId: string,
  direction: "up" | "down",
  ip: string | null = null,
) {
  return editFramework(ctx, frameworkId, "framework.topic_move", ip, async (trx, versionId) => {
    const topic = await topicIn(trx, versionId, topicId);
    const neighbour = await trx
      .selectFrom("topic_revisions")
      .select(["topic_id", "position"])
      .where("framework_version_id", "=", versionId)
      .where("category_id", "=", topic.category_id)
      .where("position", direction === "up" ? "<" : ">", topic.position)
      .orderBy("position", direction === "up" ? "desc" : "asc")
      .limit(1)
      .executeTakeFirst();
    if (neighbour) {
      await swapPositions(
        trx,
        "topic_revisions",
        versionId,
        [topicId, topic.position],
        [neighbour.topic_id, neighbour.position],
      );
    }
    return { objectId: topicId, details: { direction }, result: { moved: Boolean(neighbour) } };
  });
}

/**
 * Makes the framework the one new cycles use. Members' target profiles belong to a framework,
 * so each is re-pointed at the new framework's profile of the same name, or cleared.
 */
export async function makeDefaultFramework(
  ctx: MemberContext,
  frameworkId: string,
  ip: string | null = null,
) {
  await db.transaction().execute(async (trx) => {
    const framework = await trx
      .selectFrom("frameworks")
      .select("id")
      .where("organization_id", "=", ctx.organization.id)
      .where("id", "=", frameworkId)
      .where("archived_at", "is", null)
      .executeTakeFirst();
    if (!framework) throw notFound("Framework");
    await trx
      .updateTable("organizations")
      .set({ default_framework_id: frameworkId })
      .where("id", "=", ctx.organization.id)
      .execute();
    await sql`
      UPDATE memberships m
      SET target_profile_id = (
        SELECT np.id FROM target_profiles op
        JOIN target_profiles np ON np.framework_id = ${frameworkId} AND lower(np.name) = lower(op.name)
        WHERE op.id = m.target_profile_id
        LIMIT 1)
      WHERE m.organization_id = ${ctx.organization.id}
        AND m.target_profile_id IS NOT NULL
        AND m.target_profile_id NOT IN (SELECT id FROM target_profiles WHERE framework_id = ${frameworkId})`.execute(
      trx,
    );
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        action: "framework.make_default",
        objectType: "framework",
        objectId: frameworkId,
        ip,
      },
      trx,
    );
  });
}

export const CategorySchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, "Give the category a name.")
    .max(200, "Keep the name under 200 characters."),
  description: z
    .string()
    .trim()
    .max(2000, "Keep the description under 2,000 characters.")
    .transform((v) => v || null),
});
export type CategoryInput = z.infer<typeof CategorySchema>;

async function assertCategoryNameFree(
  trx: Trx,
  versionId: string,
  name: string,
  exceptId?: string,
) {
  let query = trx
    .selectFrom("category_revisions")
    .select("category_id")
    .where("framework_version_id", "=", versionId)
    .where((eb) => eb(eb.fn("lower", ["name"]), "=", name.toLowerCase()));
  if (exceptId) query = query.where("category_id", "<>", exceptId);
  if (await query.executeTakeFirst())
    throw conflict("Name taken", { name: "This framework already has a category with this name." });
}

async function categoryIn(trx: Trx, versionId: string, categoryId: string) {
  const category = await trx
    .selectFrom("category_revisions")
    .select(["category_id", "name", "position"])
    .where("framework_version_id", "=", versionId)
    .where("category_id", "=", categoryId)
    .executeTakeFirst();
  if (!category) throw notFound("Category");
  return category;
}

export function addCategory(
  ctx: MemberContext,
  frameworkId: string,
  input: CategoryInput,
  ip: string | null = null,
) {
  return editFramework(ctx, frameworkId, "framework.category_add", ip, async (trx, versionId) => {
    await assertCategoryNameFree(trx, versionId, input.name);
    const category = await trx
      .insertInto("categories")
      .values({ organization_id: ctx.organization.id, framework_id: frameworkId })
      .returning("id")
      .executeTakeFirstOrThrow();
    const last = await trx
      .selectFrom("category_revisions")
      .select(sql<number>`coalesce(max(position) + 1, 0)`.as("p"))
      .where("framework_version_id", "=", versionId)
      .executeTakeFirstOrThrow();
    await trx
      .insertInto("category_revisions")
      .values({
        organization_id: ctx.organization.id,
        framework_version_id: versionId,
        category_id: category.id,
        name: input.name,
        description: input.description,
        position: last.p,
      })
      .execute();
    return {
      objectId: category.id,
      details: { name: input.name },
      result: { categoryId: category.id },
    };
  });
}

export function updateCategory(
  ctx: MemberContext,
  frameworkId: string,
  categoryId: string,
  input: CategoryInput,
  ip: string | null = null,
) {
  return editFramework(
    ctx,
    frameworkId,
    "framework.category_update",
    ip,
    async (trx, versionId) => {
      const category = await categoryIn(trx, versionId, categoryId);
      await assertCategoryNameFree(trx, versionId, input.name, categoryId);
      await trx
        .updateTable("category_revisions")
        .set({ name: input.name, description: input.description })
        .where("framework_version_id", "=", versionId)
        .where("category_id", "=", categoryId)
        .execute();
      return { objectId: categoryId, details: { from: category.name, to: input.name }, result: {} };
    },
  );
}

export function moveCategory(
  ctx: MemberContext,
  frameworkId: string,
  categoryId: string,
  direction: "up" | "down",
  ip: string | null = null,
) {
  return editFramework(ctx, frameworkId, "framework.category_move", ip, async (trx, versionId) => {
    const category = await categoryIn(trx, versionId, categoryId);
    const neighbour = await trx
      .selectFrom("category_revisions")
      .select(["category_id", "position"])
      .where("framework_version_id", "=", versionId)
      .where("position", direction === "up" ? "<" : ">", category.position)
      .orderBy("position", direction === "up" ? "desc" : "asc")
      .limit(1)
      .executeTakeFirst();
    if (neighbour) {
      await swapPositions(
        trx,
        "category_revisions",
        versionId,
        [categoryId, category.position],
        [neighbour.category_id, neighbour.position],
      );
    }
    return { objectId: categoryId, details: { direction }, result: { moved: Boolean(neighbour) } };
  });
}

/** Moves a topic to the end of another category of the same version. */
export function moveTopicToCategory(
  ctx: MemberContext,
  frameworkId: string,
  topicId: string,
  categoryId: string,
  ip: string | null = null,
) {
  return editFramework(
    ctx,
    frameworkId,
    "framework.topic_recategorise",
    ip,
    async (trx, versionId) => {
      const topic = await topicIn(trx, versionId, topicId);
      await categoryIn(trx, versionId, categoryId);
      await assertNameFree(trx, versionId, categoryId, topic.name, topicId);
      const last = await trx
        .selectFrom("topic_revisions")
        .select(sql<number>`coalesce(max(position) + 1, 0)`.as("p"))
        .where("framework_version_id", "=", versionId)
        .where("category_id", "=", categoryId)
        .executeTakeFirstOrThrow();
      await trx
        .updateTable("topic_revisions")
        .set({ category_id: categoryId, position: last.p })
        .where("framework_version_id", "=", versionId)
        .where("topic_id", "=", topicId)
        .execute();
      return {
        objectId: topicId,
        details: { from: topic.category_id, to: categoryId },
        result: {},
      };
    },
  );
}
