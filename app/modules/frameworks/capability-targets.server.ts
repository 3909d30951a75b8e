import { z } from "zod";
import { db } from "#db/database";
import { notFound } from "~/lib/errors.server";
import type { MemberContext } from "~/modules/accounts/auth.server";
import { recordAudit } from "~/modules/audit/audit.server";

export const CapabilityTargetSchema = z.object({
  topicId: z.uuid({ error: "Choose a topic." }),
  minPeople: z.coerce
    .number({ error: "Enter a number of people." })
    .int("Enter a whole number of people.")
    .min(1, "At least one person.")
    .max(500, "At most 500 people."),
  minLevel: z.coerce
    .number()
    .int()
    .min(1, "Choose a level from 1 to 4.")
    .max(4, "Choose a level from 1 to 4."),
});
export type CapabilityTargetInput = z.infer<typeof CapabilityTargetSchema>;

/** The team's targets with each topic's current name (default framework's current version). */
export function listCapabilityTargets(organizationId: string, teamId: string) {
  return db
    .selectFrom("capability_targets as ct")
    .innerJoin("organizations as o", "o.id", "ct.organization_id")
    .leftJoin("frameworks as f", "f.id", "o.default_framework_id")
    .leftJoin("topic_revisions as t", (join) =>
      join
        .onRef("t.topic_id", "=", "ct.topic_id")
        .onRef("t.framework_version_id", "=", "f.current_version_id"),
    )
    .select([
      "ct.id",
      "ct.topic_id",
      "ct.min_people",
      "ct.min_level",
      "t.name as topic_name",
      "t.retired",
    ])
    .where("ct.organization_id", "=", organizationId)
    .where("ct.team_id", "=", teamId)
    .orderBy("t.name")
    .execute();
}

/** Topics a target can be set on: the default framework's current, non-retired topics. */
export function capabilityTopicChoices(organizationId: string) {
  return db
    .selectFrom("organizations as o")
    .innerJoin("frameworks as f", "f.id", "o.default_framework_id")
    .innerJoin("topic_revisions as t", "t.framework_version_id", "f.current_version_id")
    .innerJoin("category_revisions as c", (join) =>
      join
        .onRef("c.framework_version_id", "=", "t.framework_version_id")
        .onRef("c.category_id", "=", "t.category_id"),
    )
    .select(["t.topic_id as id", "t.name", "c.name as category"])
    .where("o.id", "=", organizationId)
    .where("t.retired", "=", false)
    .orderBy("c.position")
    .orderBy("t.position")
    .execute();
}

async function assertTeamAndTopic(organizationId: string, teamId: string, topicId: string) {
  const [team, topic] = await Promise.all([
    db
      .selectFrom("teams")
      .select("id")
      .where("organization_id", "=", organizationId)
      .where("id", "=", teamId)
      .executeTakeFirst(),
    db
      .selectFrom("topics")
      .select("id")
      .where("organization_id", "=", organizationId)
      .where("id", "=", topicId)
      .executeTakeFirst(),
  ]);
  if (!team) throw notFound("Team");
  if (!topic) throw notFound("Topic");
}

/** Sets "at least N people at level ≥ L on topic T" for a team (one target per topic). */
export async function setCapabilityTarget(
  ctx: MemberContext,
  teamId: string,
  input: CapabilityTargetInput,
  ip: string | null = null,
) {
  await assertTeamAndTopic(ctx.organization.id, teamId, input.topicId);
  await db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto("capability_targets")
      .values({
        organization_id: ctx.organization.id,
        team_id: teamId,
        topic_id: input.topicId,
        min_people: input.minPeople,
        min_level: input.minLevel,
      })
      .onConflict((oc) =>
        oc
          .columns(["team_id", "topic_id", "organization_id"])
          .doUpdateSet({ min_people: input.minPeople, min_level: input.minLevel }),
      )
      .returning("id")
      .executeTakeFirstOrThrow();
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        action: "team.capability_target",
        objectType: "capability_target",
        objectId: row.id,
        details: { teamId, ...input },
        ip,
      },
      trx,
    );
  });
}

export async function removeCapabilityTarget(
  ctx: MemberContext,
  teamId: string,
  targetId: string,
  ip: string | null = null,
) {
  await db.transaction().execute(async (trx) => {
    const removed = await trx
      .deleteFrom("capability_targets")
      .where("organization_id", "=", ctx.organization.id)
      .where("team_id", "=", teamId)
      .where("id", "=", targetId)
      .returning("id")
      .executeTakeFirst();
    if (!removed) throw notFound("Capability target");
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        action: "team.capability_target_remove",
        objectType: "capability_target",
        objectId: targetId,
        details: { teamId },
        ip,
      },
      trx,
    );
  });
}
