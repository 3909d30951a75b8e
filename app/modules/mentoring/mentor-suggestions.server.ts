import { sql } from "kysely";
import { z } from "zod";
import { db } from "#db/database";
import { notFound } from "~/lib/errors.server";
import type { MemberContext } from "~/modules/accounts/auth.server";
import { viewableMember } from "~/modules/accounts/visibility.server";
import { PROFICIENT } from "~/modules/gaps/gap-formula";

export interface MentorSuggestion {
  memberId: string;
  displayName: string;
  title: string | null;
  /** Their level on the topic (the newer of their own and their lead's); null when unrated or N/A. */
  level: number | null;
  levelLabel: string | null;
  canMentor: boolean;
  /** Proposed and active mentorships they mentor now, against the organisation's cap. */
  slotsUsed: number;
  capacity: number;
  sameTeam: boolean;
  /** "Expert · 1 of 3 slots used · same team". */
  reason: string;
}

/** Who may seek a mentor for whom: by default a lead for their teams' members (the gap view). */
export type MenteeReach = (
  ctx: MemberContext,
  menteeId: string,
) => Promise<{ id: string; display_name: string; active: boolean }>;

/** The gap a mentor is sought for: a member the viewer may reach, a topic of the framework. */
export async function mentoringGap(
  ctx: MemberContext,
  menteeId: string,
  topicId: string,
  reach: MenteeReach = viewableMember,
) {
  const mentee = await reach(ctx, menteeId);
  if (!z.uuid().safeParse(topicId).success) throw notFound("Topic");
  const row = await db
    .selectFrom("organizations as o")
    .innerJoin("frameworks as f", "f.id", "o.default_framework_id")
    .innerJoin("topic_revisions as t", (join) =>
      join
        .onRef("t.framework_version_id", "=", "f.current_version_id")
        .on("t.topic_id", "=", topicId),
    )
    .innerJoin("memberships as m", (join) => join.on("m.id", "=", mentee.id))
    .leftJoin("topic_targets as tt", (join) =>
      join
        .onRef("tt.framework_version_id", "=", "t.framework_version_id")
        .onRef("tt.topic_id", "=", "t.topic_id")
        .onRef("tt.target_profile_id", "=", "m.target_profile_id"),
    )
    .leftJoin("member_levels as cl", (join) =>
      join.on("cl.member_id", "=", mentee.id).onRef("cl.topic_id", "=", "t.topic_id"),
    )
    .leftJoin("topic_flags as fl", (join) =>
      join.on("fl.member_id", "=", mentee.id).onRef("fl.topic_id", "=", "t.topic_id"),
    )
    .select([
      "t.topic_id",
      "t.name as topic_name",
      "t.retired",
      "tt.target_level",
      "o.mentor_capacity",
      "fl.want_to_learn",
      "cl.level",
    ])
    .where("o.id", "=", ctx.organization.id)
    .executeTakeFirst();
  if (!row || row.retired) throw notFound("Topic");
  return {
    mentee,
    topic: { id: row.topic_id, name: row.topic_name },
    level: row.level,
    target: row.target_level,
    wantToLearn: row.want_to_learn === true,
    capacity: row.mentor_capacity,
  };
}

/**
 * Who could mentor `menteeId` on `topicId`: active members other than the mentee who are
 * Proficient or above on it, or say they can mentor it, and are not already mentoring this
 * gap. Those with a free slot come first, then by level, free slots, and a shared team.
 */
export async function suggestMentors(
  ctx: MemberContext,
  menteeId: string,
  topicId: string,
  limit = 10,
  reach: MenteeReach = viewableMember,
): Promise<MentorSuggestion[]> {
  const gap = await mentoringGap(ctx, menteeId, topicId, reach);
  const org = ctx.organization.id;
  const { rows } = await sql<{
    member_id: string;
    display_name: string;
    title: string | null;
    level: number | null;
    level_label: string | null;
    can_mentor: boolean;
    slots_used: number;
    same_team: boolean;
  }>`
    WITH candidates AS (
      SELECT m.id AS member_id, u.display_name, m.title, cl.level,
        coalesce(f.can_mentor, false) AS can_mentor,
        (SELECT count(*)::int FROM mentorships ms
          WHERE ms.mentor_id = m.id AND ms.status IN ('proposed', 'active')) AS slots_used,
        EXISTS (SELECT 1 FROM team_members mine JOIN team_members theirs
            ON theirs.team_id = mine.team_id
          WHERE mine.membership_id = m.id AND theirs.membership_id = ${gap.mentee.id}) AS same_team
      FROM memberships m
      JOIN users u ON u.id = m.user_id
      LEFT JOIN member_levels cl
        ON cl.member_id = m.id AND cl.organization_id = ${org} AND cl.topic_id = ${gap.topic.id}
      LEFT JOIN topic_flags f ON f.member_id = m.id AND f.topic_id = ${gap.topic.id}
      WHERE m.organization_id = ${org} AND m.active AND m.id <> ${gap.mentee.id}
        AND NOT EXISTS (SELECT 1 FROM mentorships ms
          WHERE ms.mentor_id = m.id AND ms.mentee_id = ${gap.mentee.id}
            AND ms.topic_id = ${gap.topic.id} AND ms.status IN ('proposed', 'active'))
    )
    SELECT c.*, ld.label AS level_label
    FROM candidates c
    LEFT JOIN level_descriptors ld ON ld.organization_id = ${org} AND ld.level = c.level
    WHERE c.level >= ${PROFICIENT} OR c.can_mentor
    ORDER BY (c.slots_used < ${gap.capacity}) DESC, c.level DESC NULLS LAST,
      c.slots_used, c.same_team DESC, c.display_name
    LIMIT ${limit}`.execute(db);
  return rows.map((r) => {
    const parts = [
      r.level !== null && r.level >= PROFICIENT
        ? (r.level_label ?? `Level ${r.level}`)
        : "Offers to mentor",
      r.slots_used >= gap.capacity
        ? `at capacity (${r.slots_used} of ${gap.capacity})`
        : `${r.slots_used} of ${gap.capacity} slots used`,
      ...(r.same_team ? ["same team"] : []),
    ];
    return {
      memberId: r.member_id,
      displayName: r.display_name,
      title: r.title,
      level: r.level,
      levelLabel: r.level_label,
      canMentor: r.can_mentor,
      slotsUsed: r.slots_used,
      capacity: gap.capacity,
      sameTeam: r.same_team,
      reason: parts.join(" · "),
    };
  });
}
