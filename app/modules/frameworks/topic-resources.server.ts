import { z } from "zod";
import { db } from "#db/database";
import { conflict, notFound } from "~/lib/errors.server";
import type { MemberContext } from "~/modules/accounts/auth.server";
import { recordAudit } from "~/modules/audit/audit.server";
import { MAX_RESOURCES_PER_TOPIC, type LearningResource } from "./learning-resources";

// Learning links on a topic, kept by admins in the topic editor. They belong to the topic
// (not to a framework version): a link is advice, not a target, and no report freezes it.

async function topicOf(organizationId: string, frameworkId: string, topicId: string) {
  if (!z.uuid().safeParse(frameworkId).success || !z.uuid().safeParse(topicId).success)
    throw notFound("Topic");
  const topic = await db
    .selectFrom("topics")
    .select("id")
    .where("organization_id", "=", organizationId)
    .where("framework_id", "=", frameworkId)
    .where("id", "=", topicId)
    .executeTakeFirst();
  if (!topic) throw notFound("Topic");
  return topic;
}

export async function listTopicResources(
  organizationId: string,
  frameworkId: string,
  topicId: string,
) {
  await topicOf(organizationId, frameworkId, topicId);
  return db
    .selectFrom("topic_resources")
    .select(["id", "title", "url", "level"])
    .where("organization_id", "=", organizationId)
    .where("topic_id", "=", topicId)
    .orderBy("position")
    .execute();
}

export async function addTopicResource(
  ctx: MemberContext,
  frameworkId: string,
  topicId: string,
  input: LearningResource,
  ip: string | null = null,
) {
  const topic = await topicOf(ctx.organization.id, frameworkId, topicId);
  await db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom("topic_resources")
      .select(["position"])
      .where("organization_id", "=", ctx.organization.id)
      .where("topic_id", "=", topic.id)
      .forUpdate()
      .execute();
    if (existing.length >= MAX_RESOURCES_PER_TOPIC)
      throw conflict(`A topic holds at most ${MAX_RESOURCES_PER_TOPIC} links. Remove one first.`);
    const created = await trx
      .insertInto("topic_resources")
      .values({
        organization_id: ctx.organization.id,
        topic_id: topic.id,
        title: input.title,
        url: input.url,
        level: input.level,
        position: Math.max(-1, ...existing.map((r) => r.position)) + 1,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        action: "framework.resource_add",
        objectType: "topic",
        objectId: topic.id,
        details: { resourceId: created.id, title: input.title, url: input.url },
        ip,
      },
      trx,
    );
  });
}

export async function removeTopicResource(
  ctx: MemberContext,
  frameworkId: string,
  topicId: string,
  resourceId: string,
  ip: string | null = null,
) {
  const topic = await topicOf(ctx.organization.id, frameworkId, topicId);
  if (!z.uuid().safeParse(resourceId).success) throw notFound("Link");
  await db.transaction().execute(async (trx) => {
    const removed = await trx
      .deleteFrom("topic_resources")
      .where("organization_id", "=", ctx.organization.id)
      .where("topic_id", "=", topic.id)
      .where("id", "=", resourceId)
      .returning(["title", "url"])
      .executeTakeFirst();
    if (!removed) throw notFound("Link");
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        action: "framework.resource_remove",
        objectType: "topic",
        objectId: topic.id,
        details: { resourceId, ...removed },
        ip,
      },
      trx,
    );
  });
}
