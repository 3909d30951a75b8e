import { sql } from "kysely";
import { z } from "zod";
import { db } from "#db/database";
import type { TargetPriority } from "#db/schema";
import { conflict, invalid, notFound } from "~/lib/errors.server";
import type { MemberContext } from "~/modules/accounts/auth.server";
import { recordAudit } from "~/modules/audit/audit.server";
import { NEW_TOPIC_TARGET, editFramework } from "./framework-editing.server";
import { PRIORITIES } from "./priorities";

const level = z.coerce
  .number({ error: "Choose a level from 0 to 4." })
  .int()
  .min(0, "Choose a level from 0 to 4.")
  .max(4, "Choose a level from 0 to 4.");
const priority = z.enum(PRIORITIES, { error: "Choose must-have, good-to-have or advanced." });

export const TargetSchema = z.object({ level, priority });
export const ProfileNameSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, "Give the profile a name, e.g. Senior (7–8 yrs).")
    .max(80, "Keep the name under 80 characters."),
});

/** One profile's target level and priority for every non-retired topic of the current version. */
export async function getProfileTargets(
  organizationId: string,
  frameworkId: string,
  profileId: string,
) {
  const profile = await db
    .selectFrom("target_profiles as p")
    .innerJoin("frameworks as f", "f.id", "p.framework_id")
    .select([
      "p.id",
      "p.name",
      "f.id as framework_id",
      "f.name as framework_name",
      "f.current_version_id",
    ])
    .where("p.organization_id", "=", organizationId)
    .where("p.framework_id", "=", frameworkId)
    .where("p.id", "=", profileId)
    .executeTakeFirst();
  if (!profile?.current_version_id) throw notFound("Target profile");
  const rows = await db
    .selectFrom("topic_revisions as t")
    .innerJoin("category_revisions as c", (join) =>
      join
        .onRef("c.framework_version_id", "=", "t.framework_version_id")
        .onRef("c.category_id", "=", "t.category_id"),
    )
    .leftJoin("topic_targets as tt", (join) =>
      join
        .onRef("tt.framework_version_id", "=", "t.framework_version_id")
        .onRef("tt.topic_id", "=", "t.topic_id")
        .on("tt.target_profile_id", "=", profileId),
    )
    .select([
      "c.category_id",
      "c.name as category_name",
      "t.topic_id",
      "t.name",
      "tt.target_level",
      "tt.priority",
    ])
    .where("t.organization_id", "=", organizationId)
    .where("t.framework_version_id", "=", profile.current_version_id)
    .where("t.retired", "=", false)
    .orderBy("c.position")
    .orderBy("t.position")
    .execute();
  const categories: {
    id: string;
    name: string;
    topics: { id: string; name: string; level: number | null; priority: TargetPriority | null }[];
  }[] = [];
  for (const row of rows) {
    let category = categories.at(-1);
    if (!category || category.id !== row.category_id) {
      category = { id: row.category_id, name: row.category_name, topics: [] };
      categories.push(category);
    }
    category.topics.push({
      id: row.topic_id,
      name: row.name,
      level: row.target_level,
      priority: row.priority,
    });
  }
  return {
    profile: { id: profile.id, name: profile.name },
    framework: { id: profile.framework_id, name: profile.framework_name },
    categories,
  };
}

export function listTargetProfilesOf(organizationId: string, frameworkId: string) {
  return db
    .selectFrom("target_profiles")
    .select(["id", "name"])
    .where("organization_id", "=", organizationId)
    .where("framework_id", "=", frameworkId)
    .orderBy("position")
    .orderBy("name")
    .execute();
}

/**
 * Reads a profile grid post: `level.<topicId>` and `priority.<topicId>` for each topic.
 * Every bad cell is reported beside it and nothing is saved.
 */
export function parseTargetGrid(form: FormData) {
  const entries: { topicId: string; level: number; priority: TargetPriority }[] = [];
  const fieldErrors: Record<string, string> = {};
  for (const key of form.keys()) {
    const topicId = /^level\.(.+)$/.exec(key)?.[1];
    if (!topicId) continue;
    const result = TargetSchema.safeParse({
      level: form.get(`level.${topicId}`),
      priority: form.get(`priority.${topicId}`),
    });
    if (result.success) entries.push({ topicId, ...result.data });
    else
      for (const issue of result.error.issues)
        fieldErrors[`${String(issue.path[0])}.${topicId}`] ??= issue.message;
  }
  if (Object.keys(fieldErrors).length)
    throw invalid("Please correct the highlighted targets.", fieldErrors);
  return entries;
}

async function assertProfile(organizationId: string, frameworkId: string, profileId: string) {
  const found = await db
    .selectFrom("target_profiles")
    .select("id")
    .where("organization_id", "=", organizationId)
    .where("framework_id", "=", frameworkId)
    .where("id", "=", profileId)
    .executeTakeFirst();
  if (!found) throw notFound("Target profile");
}

/** Saves the posted targets of one profile (an in-use version is copied first). */
export async function saveProfileTargets(
  ctx: MemberContext,
  frameworkId: string,
  profileId: string,
  entries: { topicId: string; level: number; priority: TargetPriority }[],
  ip: string | null = null,
) {
  await assertProfile(ctx.organization.id, frameworkId, profileId);
  return editFramework(
    ctx,
    frameworkId,
    "framework.profile_targets",
    ip,
    async (trx, versionId) => {
      if (entries.length) {
        const known = await trx
          .selectFrom("topic_revisions")
          .select("topic_id")
          .where("framework_version_id", "=", versionId)
          .where(
            "topic_id",
            "in",
            entries.map((e) => e.topicId),
          )
          .execute();
        if (known.length !== new Set(entries.map((e) => e.topicId)).size) throw notFound("Topic");
        await trx
          .insertInto("topic_targets")
          .values(
            entries.map((e) => ({
              organization_id: ctx.organization.id,
              framework_version_id: versionId,
              target_profile_id: profileId,
              topic_id: e.topicId,
              target_level: e.level,
              priority: e.priority,
            })),
          )
          .onConflict((oc) =>
            oc
              .columns(["framework_version_id", "target_profile_id", "topic_id", "organization_id"])
              .doUpdateSet((eb) => ({
                target_level: eb.ref("excluded.target_level"),
                priority: eb.ref("excluded.priority"),
              })),
          )
          .execute();
      }
      return { objectId: profileId, details: { topics: entries.length }, result: {} };
    },
  );
}

/** Sets one level and priority on every non-retired topic of a category, for one profile. */
export async function bulkSetCategoryTargets(
  ctx: MemberContext,
  frameworkId: string,
  profileId: string,
  categoryId: string,
  target: { level: number; priority: TargetPriority },
  ip: string | null = null,
) {
  await assertProfile(ctx.organization.id, frameworkId, profileId);
  return editFramework(ctx, frameworkId, "framework.profile_bulk", ip, async (trx, versionId) => {
    const updated = await trx
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
          .selectFrom("topic_revisions")
          .select([
            "organization_id",
            "framework_version_id",
            sql<string>`${profileId}::uuid`.as("p"),
            "topic_id",
            sql<number>`${target.level}::smallint`.as("l"),
            sql<TargetPriority>`${target.priority}::target_priority`.as("r"),
          ])
          .where("framework_version_id", "=", versionId)
          .where("category_id", "=", categoryId)
          .where("retired", "=", false),
      )
      .onConflict((oc) =>
        oc
          .columns(["framework_version_id", "target_profile_id", "topic_id", "organization_id"])
          .doUpdateSet((eb) => ({
            target_level: eb.ref("excluded.target_level"),
            priority: eb.ref("excluded.priority"),
          })),
      )
      .executeTakeFirst();
    const count = Number(updated.numInsertedOrUpdatedRows ?? 0);
    if (!count) throw notFound("Category");
    return { objectId: profileId, details: { categoryId, ...target }, result: { count } };
  });
}

/** A new profile starts at level 2, good-to-have, on every topic, until an admin sets it. */
export async function addTargetProfile(
  ctx: MemberContext,
  frameworkId: string,
  name: string,
  ip: string | null = null,
) {
  const taken = await db
    .selectFrom("target_profiles")
    .select("id")
    .where("organization_id", "=", ctx.organization.id)
    .where("framework_id", "=", frameworkId)
    .where((eb) => eb(eb.fn("lower", ["name"]), "=", name.toLowerCase()))
    .executeTakeFirst();
  if (taken)
    throw conflict("Name taken", { name: "This framework already has a profile with this name." });
  return editFramework(ctx, frameworkId, "framework.profile_add", ip, async (trx, versionId) => {
    const profile = await trx
      .insertInto("target_profiles")
      .values((eb) => ({
        organization_id: ctx.organization.id,
        framework_id: frameworkId,
        name,
        position: eb
          .selectFrom("target_profiles")
          .select(sql<number>`coalesce(max(position) + 1, 0)`.as("p"))
          .where("framework_id", "=", frameworkId),
      }))
      .returning("id")
      .executeTakeFirstOrThrow();
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
          .selectFrom("topic_revisions")
          .select([
            "organization_id",
            "framework_version_id",
            sql<string>`${profile.id}::uuid`.as("p"),
            "topic_id",
            sql<number>`${NEW_TOPIC_TARGET.target_level}::smallint`.as("l"),
            sql<TargetPriority>`${NEW_TOPIC_TARGET.priority}::target_priority`.as("r"),
          ])
          .where("framework_version_id", "=", versionId),
      )
      .execute();
    return { objectId: profile.id, details: { name }, result: { profileId: profile.id } };
  });
}

/**
 * Moves a profile one place up or down in the framework's order: the order "the next level
 * up" follows (growth readiness). Not versioned: it changes no target.
 */
export async function moveTargetProfile(
  ctx: MemberContext,
  frameworkId: string,
  profileId: string,
  direction: "up" | "down",
  ip: string | null = null,
) {
  return db.transaction().execute(async (trx) => {
    const profiles = await trx
      .selectFrom("target_profiles")
      .select(["id", "position"])
      .where("organization_id", "=", ctx.organization.id)
      .where("framework_id", "=", frameworkId)
      .orderBy("position")
      .orderBy("name")
      .forUpdate()
      .execute();
    const index = profiles.findIndex((p) => p.id === profileId);
    if (index < 0) throw notFound("Profile");
    const other = direction === "up" ? index - 1 : index + 1;
    if (other >= 0 && other < profiles.length) {
      const order = profiles.map((p) => p.id);
      [order[index], order[other]] = [order[other]!, order[index]!];
      for (const [position, id] of order.entries()) {
        if (profiles.find((p) => p.id === id)!.position !== position)
          await trx.updateTable("target_profiles").set({ position }).where("id", "=", id).execute();
      }
      await recordAudit(
        {
          organizationId: ctx.organization.id,
          actorUserId: ctx.user.id,
          action: "framework.profile_move",
          objectType: "target_profile",
          objectId: profileId,
          details: { frameworkId, direction },
          ip,
        },
        trx,
      );
    }
    return { newVersion: false };
  });
}
