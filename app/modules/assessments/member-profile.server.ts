import { sql } from "kysely";
import { db } from "#db/database";
import type { CategoryKind, TargetPriority } from "#db/schema";
import { notFound } from "~/lib/errors.server";

export interface ProfileCategory {
  id: string;
  name: string;
  kind: CategoryKind;
  self: number | null;
  lead: number | null;
  target: number | null;
}

export interface ProfileTopic {
  id: string;
  name: string;
  categoryId: string;
  self: number | null | undefined;
  /** The lead's validated level and comment; undefined until a lead has validated one. */
  lead: { level: number | null; comment: string | null } | undefined;
  /** The level that counts (member_levels): the validated lead's, else the member's own. */
  level: number | null | undefined;
  target: number | null;
  priority: TargetPriority | null;
  selfRatedAt: string | null;
  stale: boolean;
}

export interface ProfileHistoryPoint {
  cycleId: string;
  cycleName: string;
  startsOn: string;
  categories: Record<string, number | null>;
}

/**
 * A member's skills profile on the organisation's default framework (current version, retired
 * topics left out): per category the average self, validated lead and target level (N/A
 * excluded), per topic the member's own level, the lead's validated level and comment, the
 * level that counts (member_levels) and the self rating's age, and the self average per category as of
 * each opened cycle. Averages are computed in SQL. The caller decides who may see whom.
 */
export async function memberProfile(organizationId: string, memberId: string, now = new Date()) {
  const member = await db
    .selectFrom("memberships as m")
    .innerJoin("users as u", "u.id", "m.user_id")
    .innerJoin("organizations as o", "o.id", "m.organization_id")
    .leftJoin("frameworks as f", "f.id", "o.default_framework_id")
    .leftJoin("target_profiles as p", (join) =>
      join.onRef("p.id", "=", "m.target_profile_id").onRef("p.framework_id", "=", "f.id"),
    )
    .select([
      "m.id",
      "m.title",
      "u.display_name",
      "p.id as profile_id",
      "p.name as profile_name",
      "f.current_version_id",
      "o.stale_after_days",
    ])
    .where("m.organization_id", "=", organizationId)
    .where("m.id", "=", memberId)
    .executeTakeFirst();
  if (!member) throw notFound("Member");
  const versionId = member.current_version_id;
  const base = {
    member: {
      id: member.id,
      displayName: member.display_name,
      title: member.title,
      profileName: member.profile_name,
    },
  };
  if (!versionId) return { ...base, categories: [], topics: [], history: [] };
  const staleBefore = new Date(now.getTime() - member.stale_after_days * 86_400_000);

  const topicRows = await db
    .selectFrom("topic_revisions as t")
    .innerJoin("category_revisions as c", (join) =>
      join
        .onRef("c.framework_version_id", "=", "t.framework_version_id")
        .onRef("c.category_id", "=", "t.category_id"),
    )
    .leftJoin("current_levels as cl", (join) =>
      join
        .onRef("cl.topic_id", "=", "t.topic_id")
        .onRef("cl.organization_id", "=", "t.organization_id")
        .on("cl.member_id", "=", memberId),
    )
    .leftJoin("topic_targets as tt", (join) =>
      join
        .onRef("tt.framework_version_id", "=", "t.framework_version_id")
        .onRef("tt.topic_id", "=", "t.topic_id")
        .on("tt.target_profile_id", "=", member.profile_id ?? sql<string>`NULL::uuid`),
    )
    .leftJoin("member_levels as ml", (join) =>
      join.onRef("ml.topic_id", "=", "t.topic_id").on("ml.member_id", "=", memberId),
    )
    .leftJoin("ratings as rl", "rl.id", "cl.validated_lead_rating_id")
    .select([
      "t.topic_id",
      "t.name",
      "c.category_id",
      "c.name as category_name",
      "c.kind",
      "cl.self_rating_id as self_id",
      "cl.self_level as self",
      "cl.self_rated_at as rated_at",
      "cl.validated_lead_rating_id as lead_id",
      "cl.validated_lead_level as lead",
      "rl.note as lead_comment",
      "ml.source as level_source",
      "ml.level",
      "tt.target_level",
      "tt.priority",
    ])
    .where("t.organization_id", "=", organizationId)
    .where("t.framework_version_id", "=", versionId)
    .where("t.retired", "=", false)
    .orderBy("c.position")
    .orderBy("t.position")
    .execute();

  const [categories, history] = await Promise.all([
    sql<{
      id: string;
      name: string;
      kind: CategoryKind;
      self: number | null;
      lead: number | null;
      target: number | null;
    }>`
      SELECT c.category_id AS id, c.name, c.kind,
             round(avg(cl.self_level), 1) AS self,
             round(avg(cl.validated_lead_level), 1) AS lead,
             round(avg(tt.target_level), 1) AS target
      FROM topic_revisions t
      JOIN category_revisions c
        ON c.framework_version_id = t.framework_version_id AND c.category_id = t.category_id
      LEFT JOIN current_levels cl ON cl.organization_id = t.organization_id
        AND cl.topic_id = t.topic_id AND cl.member_id = ${memberId}
      LEFT JOIN topic_targets tt ON tt.framework_version_id = t.framework_version_id
        AND tt.topic_id = t.topic_id AND tt.target_profile_id = ${member.profile_id}
      WHERE t.organization_id = ${organizationId} AND t.framework_version_id = ${versionId} AND NOT t.retired
      GROUP BY c.category_id, c.name, c.kind, c.position
      ORDER BY c.position`.execute(db),
    // Level "as of" a cycle: the newest self rating from any cycle that started no later.
    sql<{
      cycle_id: string;
      cycle_name: string;
      starts_on: string;
      category_id: string;
      level: number | null;
    }>`
      SELECT cy.id AS cycle_id, cy.name AS cycle_name, cy.starts_on, t.category_id,
             round(avg(r.level), 1) AS level
      FROM cycles cy
      CROSS JOIN topic_revisions t
      LEFT JOIN LATERAL (
        SELECT r.level FROM ratings r JOIN cycles rc ON rc.id = r.cycle_id
        WHERE r.organization_id = ${organizationId} AND r.member_id = ${memberId}
          AND r.topic_id = t.topic_id AND r.source = 'self'
          AND rc.starts_on <= cy.starts_on
        ORDER BY rc.starts_on DESC, r.id DESC
        LIMIT 1
      ) r ON true
      WHERE cy.organization_id = ${organizationId} AND cy.status IN ('open', 'closed')
        AND t.organization_id = ${organizationId} AND t.framework_version_id = ${versionId} AND NOT t.retired
      GROUP BY cy.id, cy.name, cy.starts_on, t.category_id
      ORDER BY cy.starts_on`.execute(db),
  ]);

  const points: ProfileHistoryPoint[] = [];
  for (const row of history.rows) {
    let point = points.at(-1);
    if (!point || point.cycleId !== row.cycle_id) {
      point = {
        cycleId: row.cycle_id,
        cycleName: row.cycle_name,
        startsOn: row.starts_on,
        categories: {},
      };
      points.push(point);
    }
    point.categories[row.category_id] = row.level;
  }
  // Cycles before the member's first rating carry nothing worth drawing.
  const firstRated = points.findIndex((p) => Object.values(p.categories).some((v) => v !== null));

  const topics: ProfileTopic[] = topicRows.map((row) => ({
    id: row.topic_id,
    name: row.name,
    categoryId: row.category_id,
    self: row.self_id === null ? undefined : row.self,
    lead: row.lead_id === null ? undefined : { level: row.lead, comment: row.lead_comment },
    level: row.level_source === null ? undefined : row.level,
    target: row.target_level,
    priority: row.priority,
    selfRatedAt: row.rated_at ? new Date(row.rated_at).toISOString() : null,
    stale: row.rated_at !== null && new Date(row.rated_at) < staleBefore,
  }));
  return {
    ...base,
    categories: categories.rows satisfies ProfileCategory[],
    topics,
    history: firstRated === -1 ? [] : points.slice(firstRated),
  };
}

export type MemberProfile = Awaited<ReturnType<typeof memberProfile>>;
