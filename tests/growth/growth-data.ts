import { db } from "#db/database";
import type { GapData } from "../gaps/gap-data";

/** A "Staff" profile after Senior: a1 target 4 must-have, a2 3 must-have, b1 4 good-to-have. */
export async function addStaffProfile(data: GapData) {
  const framework = await db
    .selectFrom("target_profiles")
    .select("framework_id")
    .where("id", "=", data.senior)
    .executeTakeFirstOrThrow();
  const staff = await db
    .insertInto("target_profiles")
    .values({
      organization_id: data.organizationId,
      framework_id: framework.framework_id,
      name: "Staff",
      position: 1,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const target = (topicId: string, level: number, priority: "must_have" | "good_to_have") => ({
    organization_id: data.organizationId,
    framework_version_id: data.versionId,
    target_profile_id: staff.id,
    topic_id: topicId,
    target_level: level,
    priority,
  });
  await db
    .insertInto("topic_targets")
    .values([
      target(data.topic.a1, 4, "must_have"),
      target(data.topic.a2, 3, "must_have"),
      target(data.topic.b1, 4, "good_to_have"),
    ])
    .execute();
  return staff.id;
}
