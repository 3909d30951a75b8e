import { sql } from "kysely";
import { db } from "#db/database";
import { meetsPrivacyFloor } from "./privacy-floor";

// The engineer's anonymous team picture: where they stand against the rest of each team they
// are in, per category and per must-have topic of their profile, never naming anyone. The
// engineer knows their own level, so what the picture tells them about is the rest of the
// team: it is shown only when at least the privacy floor's number of *other* people rated
// (ADR 015). Levels are member_levels, as everywhere.

export type Standing = "above" | "with" | "below";

export interface StandingRow {
  id: string;
  name: string;
  /** The member's own level (a category: their average over its rated topics). */
  level: number;
  /** The target (a category: the average target over the topics they rated). */
  target: number | null;
  /** null: withheld, fewer other people rated than the floor. */
  standing: Standing | null;
}

export interface TeamStanding {
  teamId: string;
  teamName: string;
  floor: number;
  categories: StandingRow[];
  mustHaves: StandingRow[];
}

/** "above most of the team" when more than half of the others are below, and so on. */
function standingOf(below: number, above: number, others: number): Standing {
  if (below * 2 > others) return "above";
  if (above * 2 > others) return "below";
  return "with";
}

/** The member's standing in each team they belong to. */
export async function teamStanding(
  organizationId: string,
  memberId: string,
): Promise<TeamStanding[]> {
  const { rows } = await sql<{
    team_id: string;
    team_name: string;
    floor: number;
    kind: "category" | "topic";
    id: string;
    name: string;
    level: number;
    target: number | null;
    others: number;
    below: number;
    above: number;
    position: number;
  }>`
    WITH me AS (
      SELECT m.id, m.target_profile_id, o.privacy_floor, f.current_version_id AS version_id
      FROM memberships m
      JOIN organizations o ON o.id = m.organization_id
      JOIN frameworks f ON f.id = o.default_framework_id
      WHERE m.id = ${memberId} AND m.organization_id = ${organizationId} AND m.active
    ),
    my_teams AS (
      SELECT t.id, t.name FROM teams t
      JOIN team_members tm ON tm.team_id = t.id AND tm.membership_id = (SELECT id FROM me)
      WHERE t.organization_id = ${organizationId}
    ),
    people AS (
      SELECT DISTINCT tm.team_id, tm.membership_id, m.target_profile_id
      FROM team_members tm
      JOIN my_teams mt ON mt.id = tm.team_id
      JOIN memberships m ON m.id = tm.membership_id AND m.active
        AND m.organization_id = ${organizationId}
    ),
    topics AS (
      SELECT t.topic_id, t.name, t.position, c.category_id, c.name AS category_name,
        c.position AS category_position, tt.target_level, tt.priority
      FROM topic_revisions t
      JOIN category_revisions c ON c.framework_version_id = t.framework_version_id
        AND c.category_id = t.category_id
      LEFT JOIN topic_targets tt ON tt.framework_version_id = t.framework_version_id
        AND tt.topic_id = t.topic_id AND tt.target_profile_id = (SELECT target_profile_id FROM me)
      WHERE t.organization_id = ${organizationId}
        AND t.framework_version_id = (SELECT version_id FROM me) AND NOT t.retired
    ),
    levels AS (
      SELECT p.team_id, p.membership_id, t.topic_id, t.category_id, ml.level
      FROM people p
      JOIN member_levels ml ON ml.member_id = p.membership_id
        AND ml.organization_id = ${organizationId}
      JOIN topics t ON t.topic_id = ml.topic_id
      WHERE ml.level IS NOT NULL
    ),
    by_category AS (
      SELECT team_id, membership_id, category_id, round(avg(level), 2) AS level
      FROM levels GROUP BY 1, 2, 3
    ),
    compared AS (
      SELECT 'category' AS kind, c.team_id, c.category_id AS id, mine.level,
        count(*) FILTER (WHERE c.membership_id <> ${memberId}) AS others,
        count(*) FILTER (WHERE c.membership_id <> ${memberId} AND c.level < mine.level) AS below,
        count(*) FILTER (WHERE c.membership_id <> ${memberId} AND c.level > mine.level) AS above
      FROM by_category c
      JOIN by_category mine ON mine.team_id = c.team_id AND mine.category_id = c.category_id
        AND mine.membership_id = ${memberId}
      GROUP BY c.team_id, c.category_id, mine.level
      UNION ALL
      SELECT 'topic', l.team_id, l.topic_id, mine.level,
        count(*) FILTER (WHERE l.membership_id <> ${memberId}),
        count(*) FILTER (WHERE l.membership_id <> ${memberId} AND l.level < mine.level),
        count(*) FILTER (WHERE l.membership_id <> ${memberId} AND l.level > mine.level)
      FROM levels l
      JOIN levels mine ON mine.team_id = l.team_id AND mine.topic_id = l.topic_id
        AND mine.membership_id = ${memberId}
      JOIN topics t ON t.topic_id = l.topic_id AND t.priority = 'must_have'
      GROUP BY l.team_id, l.topic_id, mine.level
    )
    SELECT mt.id AS team_id, mt.name AS team_name, (SELECT privacy_floor FROM me) AS floor,
      cp.kind, cp.id, cp.level::float AS level, cp.others::int, cp.below::int, cp.above::int,
      CASE WHEN cp.kind = 'category' THEN
        (SELECT c.category_name FROM topics c WHERE c.category_id = cp.id LIMIT 1)
        ELSE (SELECT t.name FROM topics t WHERE t.topic_id = cp.id) END AS name,
      CASE WHEN cp.kind = 'category' THEN
        (SELECT round(avg(t.target_level), 2)::float FROM topics t
          JOIN levels l ON l.topic_id = t.topic_id AND l.team_id = cp.team_id
            AND l.membership_id = ${memberId}
          WHERE t.category_id = cp.id)
        ELSE (SELECT t.target_level FROM topics t WHERE t.topic_id = cp.id) END AS target,
      (SELECT min(t.category_position * 10000 + CASE WHEN cp.kind = 'topic' THEN t.position ELSE 0 END)
        FROM topics t WHERE t.topic_id = cp.id OR t.category_id = cp.id) AS position
    FROM compared cp
    JOIN my_teams mt ON mt.id = cp.team_id
    ORDER BY mt.name, mt.id, position`.execute(db);

  const teams = new Map<string, TeamStanding>();
  for (const row of rows) {
    let team = teams.get(row.team_id);
    if (!team) {
      team = {
        teamId: row.team_id,
        teamName: row.team_name,
        floor: row.floor,
        categories: [],
        mustHaves: [],
      };
      teams.set(row.team_id, team);
    }
    const shown = row.others > 0 && meetsPrivacyFloor(row.others, row.floor);
    const entry: StandingRow = {
      id: row.id,
      name: row.name,
      level: row.level,
      target: row.target,
      standing: shown ? standingOf(row.below, row.above, row.others) : null,
    };
    (row.kind === "category" ? team.categories : team.mustHaves).push(entry);
  }
  return [...teams.values()];
}
