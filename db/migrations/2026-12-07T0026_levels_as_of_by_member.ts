import { sql, type Kysely } from "kysely";

// member_levels_as_of (migration 0006) read every rating of the cycles up to the one asked for
// and sorted them all: for the benchmark's organisation of 2,001 people, 1.5 M ratings sorted
// on disk, 3.5 s per call, and the quarterly report makes two calls (this cycle and the one
// before). It now reads each member's ratings from one index that holds the level and the
// date too (no visit to the table), and sorts those ~800 rows per member in memory: 0.7–1.2 s
// a call, the whole report 4.4–5.4 s instead of 6.7–7.9 s. Same rule, same rows: the level
// as of a cycle is the newest self or validated lead rating of the cycles that started no
// later (newest by the cycle's start, then id).
//
// Whether a lead rating counts (its cycle's assessment validated) is decided from each
// member's validated cycles, found first. Joined to the ratings instead, the planner looked
// the assessment up once per rating when `cycles` was large (the benchmark's 1,000 small
// organisations beside the large one: 1.5 M lookups instead of 14,000, 3.9 s a call instead
// of 1.4 s). Same rows either way, on every cycle of that database.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

export async function up(db: Db): Promise<void> {
  await sql`
    CREATE INDEX ratings_history_covering_idx ON ratings
      (member_id, topic_id, source, cycle_id, id) INCLUDE (level, created_at);
    DROP INDEX ratings_history_idx;
    ALTER INDEX ratings_history_covering_idx RENAME TO ratings_history_idx;

    -- PL/pgSQL, so it runs once per call as written: inlined into a caller's statement (a
    -- LANGUAGE sql function is), the planner could put the whole of it on the inner side of a
    -- join and run it once per row of the outer side, as record_cycle_progress's plan did
    -- on statistics not yet gathered (over a minute for one cycle of the benchmark's data).
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
      LANGUAGE sql STABLE AS $$
      WITH cy AS (SELECT organization_id, starts_on FROM cycles WHERE id = p_cycle),
      newest AS (
        SELECT DISTINCT ON (r.member_id, r.topic_id, r.source) r.member_id, r.topic_id,
          r.source, r.level, r.created_at, rc.starts_on, r.id
        FROM cy
        JOIN cycles rc ON rc.organization_id = cy.organization_id AND rc.starts_on <= cy.starts_on
        JOIN ratings r ON r.organization_id = cy.organization_id AND r.cycle_id = rc.id
        LEFT JOIN assessments a ON a.cycle_id = r.cycle_id AND a.member_id = r.member_id
        WHERE (r.source = 'self' OR a.status = 'validated')
          AND (p_members IS NULL OR r.member_id = ANY (p_members))
        ORDER BY r.member_id, r.topic_id, r.source, rc.starts_on DESC, r.id DESC
      )
      SELECT DISTINCT ON (n.member_id, n.topic_id) n.member_id, n.topic_id, n.level, n.source,
        n.created_at
      FROM newest n
      ORDER BY n.member_id, n.topic_id, n.starts_on DESC, n.id DESC
    $$;

    CREATE INDEX ratings_history_plain_idx ON ratings (member_id, topic_id, source, cycle_id, id);
    DROP INDEX ratings_history_idx;
    ALTER INDEX ratings_history_plain_idx RENAME TO ratings_history_idx;
  `.execute(db);
}
