import { sql, type Kysely } from "kysely";

// member_levels_as_of (migration 0026) decided whether a lead rating counts by looking up its
// cycle's assessment once per rating. With the benchmark's 1,000 small organisations beside
// the large one (cycles 8 → 1,009 rows), the planner joined the assessments after the ratings:
// 1.5 M lookups instead of 14,000, 3.9 s a call instead of 1.4 s, and the quarterly report
// (two calls) 9–10 s. Each member's validated cycles are now found first, a few lookups, and
// a rating's cycle is checked against them, whatever the plan. Same rule, same rows (checked
// on every cycle of that database: the old body minus the new one and the new minus the old
// both empty).

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

export async function up(db: Db): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION member_levels_as_of(p_cycle uuid, p_members uuid[] DEFAULT NULL)
      RETURNS TABLE (member_id uuid, topic_id uuid, level smallint, source rating_source,
        rated_at timestamptz)
      LANGUAGE plpgsql STABLE AS $$
    #variable_conflict use_column
    BEGIN
      RETURN QUERY
      WITH cy AS (SELECT c.organization_id, c.starts_on FROM cycles c WHERE c.id = p_cycle),
      earlier AS (
        SELECT rc.id, rc.starts_on FROM cy
        JOIN cycles rc ON rc.organization_id = cy.organization_id AND rc.starts_on <= cy.starts_on
      ),
      who AS (
        SELECT m.id FROM cy JOIN memberships m ON m.organization_id = cy.organization_id
        WHERE p_members IS NULL OR m.id = ANY (p_members)
      )
      SELECT w.id, n.topic_id, n.level, n.source, n.created_at
      FROM who w
      -- The cycles in which the member's lead levels count (the assessment validated).
      CROSS JOIN LATERAL (
        SELECT ARRAY(
          SELECT e.id FROM earlier e
          JOIN assessments a ON a.cycle_id = e.id AND a.member_id = w.id
          WHERE a.status = 'validated'
        ) AS ids
      ) validated
      CROSS JOIN LATERAL (
        SELECT DISTINCT ON (r.topic_id) r.topic_id, r.level, r.source, r.created_at
        FROM earlier e
        JOIN ratings r ON r.member_id = w.id AND r.cycle_id = e.id
        WHERE r.source = 'self' OR r.cycle_id = ANY (validated.ids)
        ORDER BY r.topic_id, e.starts_on DESC, r.id DESC
      ) n;
    END
    $$;
  `.execute(db);
}

export async function down(db: Db): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION member_levels_as_of(p_cycle uuid, p_members uuid[] DEFAULT NULL)
      RETURNS TABLE (member_id uuid, topic_id uuid, level smallint, source rating_source,
        rated_at timestamptz)
      LANGUAGE plpgsql STABLE AS $$
    #variable_conflict use_column
    BEGIN
      RETURN QUERY
      WITH cy AS (SELECT c.organization_id, c.starts_on FROM cycles c WHERE c.id = p_cycle),
      earlier AS (
        SELECT rc.id, rc.starts_on FROM cy
        JOIN cycles rc ON rc.organization_id = cy.organization_id AND rc.starts_on <= cy.starts_on
      ),
      who AS (
        SELECT m.id FROM cy JOIN memberships m ON m.organization_id = cy.organization_id
        WHERE p_members IS NULL OR m.id = ANY (p_members)
      )
      SELECT w.id, n.topic_id, n.level, n.source, n.created_at
      FROM who w
      CROSS JOIN LATERAL (
        SELECT DISTINCT ON (r.topic_id) r.topic_id, r.level, r.source, r.created_at
        FROM earlier e
        JOIN ratings r ON r.member_id = w.id AND r.cycle_id = e.id
        LEFT JOIN assessments a ON a.cycle_id = e.id AND a.member_id = w.id
        WHERE r.source = 'self' OR a.status = 'validated'
        ORDER BY r.topic_id, e.starts_on DESC, r.id DESC
      ) n;
    END
    $$;
  `.execute(db);
}
