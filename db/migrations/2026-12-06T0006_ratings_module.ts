import { sql, type Kysely } from "kysely";

// "A person's level on a topic" is defined here, once, for every reader (ADR 008):
//
//   the lead's level where the lead has validated the member's latest rating of that topic,
//   else the member's own latest rating; a lead level saved but not validated counts nowhere.
//
// A lead rating is "validated" when the assessment of its cycle (same member) is validated.
// - member_levels (view): the level today, one row per member × topic that has one (a pair
//   with only an unvalidated lead level has none: it is unrated), with its source and date.
// - member_levels_as_of(cycle): the level as of a cycle, from ratings of cycles that started
//   no later (closed cycles' progress and the quarterly reports).
// Both compare "latest" by rating id; as of a cycle by the rating's cycle start first, which is
// the same order, as ratings are only ever written in the open cycle.
//
// current_levels (migration 0002) becomes the only projection of ratings: it gains each side's
// cycle and the newest validated lead rating (kept by triggers on ratings and on assessments),
// and current_ratings, which its readers pivoted by hand, is retired.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

export async function up(db: Db): Promise<void> {
  await sql`
    ALTER TABLE current_levels
      ADD COLUMN self_cycle_id uuid,
      ADD COLUMN lead_cycle_id uuid,
      ADD COLUMN validated_lead_rating_id bigint,
      ADD COLUMN validated_lead_level smallint,
      ADD COLUMN validated_lead_rated_at timestamptz;

    UPDATE current_levels cl SET self_cycle_id = cr.cycle_id
      FROM current_ratings cr
      WHERE cr.member_id = cl.member_id AND cr.topic_id = cl.topic_id AND cr.source = 'self';
    UPDATE current_levels cl SET lead_cycle_id = cr.cycle_id
      FROM current_ratings cr
      WHERE cr.member_id = cl.member_id AND cr.topic_id = cl.topic_id AND cr.source = 'lead';

    -- Recomputes the newest validated lead rating of every topic of these members (a
    -- validation undone falls back to the one before).
    CREATE FUNCTION refresh_validated_leads(p_members uuid[]) RETURNS void LANGUAGE sql AS $$
      UPDATE current_levels cl
        SET (validated_lead_rating_id, validated_lead_level, validated_lead_rated_at) = (
          SELECT r.id, r.level, r.created_at FROM ratings r
          JOIN assessments a ON a.cycle_id = r.cycle_id AND a.member_id = r.member_id
            AND a.status = 'validated'
          WHERE r.member_id = cl.member_id AND r.topic_id = cl.topic_id AND r.source = 'lead'
          ORDER BY r.id DESC LIMIT 1)
        WHERE cl.member_id = ANY (p_members);
    $$;
    SELECT refresh_validated_leads(array_agg(DISTINCT member_id)) FROM current_levels;

    CREATE OR REPLACE FUNCTION ratings_maintain_levels() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      -- Only ever moves forward: an older rating id never replaces a newer one.
      IF NEW.source = 'self' THEN
        INSERT INTO current_levels AS c (organization_id, member_id, topic_id, self_rating_id,
          self_level, self_rated_at, self_cycle_id)
        VALUES (NEW.organization_id, NEW.member_id, NEW.topic_id, NEW.id, NEW.level,
          NEW.created_at, NEW.cycle_id)
        ON CONFLICT (member_id, topic_id) DO UPDATE
          SET self_rating_id = EXCLUDED.self_rating_id, self_level = EXCLUDED.self_level,
              self_rated_at = EXCLUDED.self_rated_at, self_cycle_id = EXCLUDED.self_cycle_id
          WHERE c.self_rating_id IS NULL OR c.self_rating_id < EXCLUDED.self_rating_id;
      ELSE
        INSERT INTO current_levels AS c (organization_id, member_id, topic_id, lead_rating_id,
          lead_level, lead_rated_at, lead_cycle_id)
        VALUES (NEW.organization_id, NEW.member_id, NEW.topic_id, NEW.id, NEW.level,
          NEW.created_at, NEW.cycle_id)
        ON CONFLICT (member_id, topic_id) DO UPDATE
          SET lead_rating_id = EXCLUDED.lead_rating_id, lead_level = EXCLUDED.lead_level,
              lead_rated_at = EXCLUDED.lead_rated_at, lead_cycle_id = EXCLUDED.lead_cycle_id
          WHERE c.lead_rating_id IS NULL OR c.lead_rating_id < EXCLUDED.lead_rating_id;
        -- A lead rating written into an already validated assessment (bulk loads) counts at once.
        UPDATE current_levels c
          SET validated_lead_rating_id = NEW.id, validated_lead_level = NEW.level,
              validated_lead_rated_at = NEW.created_at
          WHERE c.member_id = NEW.member_id AND c.topic_id = NEW.topic_id
            AND coalesce(c.validated_lead_rating_id, 0) < NEW.id
            AND EXISTS (SELECT 1 FROM assessments a WHERE a.cycle_id = NEW.cycle_id
              AND a.member_id = NEW.member_id AND a.status = 'validated');
      END IF;
      RETURN NULL;
    END $$;

    -- An assessment becoming validated makes its cycle's lead ratings count; one leaving
    -- validated (undo) recomputes its member's from history.
    CREATE FUNCTION assessments_maintain_validated_leads() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        UPDATE current_levels c
          SET validated_lead_rating_id = r.id, validated_lead_level = r.level,
              validated_lead_rated_at = r.created_at
          FROM (SELECT DISTINCT ON (r.member_id, r.topic_id) r.member_id, r.topic_id, r.id,
                  r.level, r.created_at
                FROM new_rows n
                JOIN ratings r ON r.organization_id = n.organization_id
                  AND r.cycle_id = n.cycle_id AND r.member_id = n.member_id AND r.source = 'lead'
                WHERE n.status = 'validated'
                ORDER BY r.member_id, r.topic_id, r.id DESC) r
          WHERE c.member_id = r.member_id AND c.topic_id = r.topic_id
            AND coalesce(c.validated_lead_rating_id, 0) < r.id;
      ELSIF TG_OP = 'UPDATE' THEN
        UPDATE current_levels c
          SET validated_lead_rating_id = r.id, validated_lead_level = r.level,
              validated_lead_rated_at = r.created_at
          FROM (SELECT DISTINCT ON (r.member_id, r.topic_id) r.member_id, r.topic_id, r.id,
                  r.level, r.created_at
                FROM new_rows n
                JOIN old_rows o ON o.id = n.id AND o.status <> 'validated'
                JOIN ratings r ON r.organization_id = n.organization_id
                  AND r.cycle_id = n.cycle_id AND r.member_id = n.member_id AND r.source = 'lead'
                WHERE n.status = 'validated'
                ORDER BY r.member_id, r.topic_id, r.id DESC) r
          WHERE c.member_id = r.member_id AND c.topic_id = r.topic_id
            AND coalesce(c.validated_lead_rating_id, 0) < r.id;
        PERFORM refresh_validated_leads(array_agg(DISTINCT n.member_id))
          FROM new_rows n JOIN old_rows o ON o.id = n.id
          WHERE o.status = 'validated' AND n.status <> 'validated'
          HAVING count(*) > 0;
      ELSE
        PERFORM refresh_validated_leads(array_agg(DISTINCT o.member_id))
          FROM old_rows o WHERE o.status = 'validated' HAVING count(*) > 0;
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER assessments_validated_leads_insert AFTER INSERT ON assessments
      REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION assessments_maintain_validated_leads();
    CREATE TRIGGER assessments_validated_leads_update AFTER UPDATE ON assessments
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION assessments_maintain_validated_leads();
    CREATE TRIGGER assessments_validated_leads_delete AFTER DELETE ON assessments
      REFERENCING OLD TABLE AS old_rows
      FOR EACH STATEMENT EXECUTE FUNCTION assessments_maintain_validated_leads();

    -- The level today.
    CREATE VIEW member_levels AS
      SELECT cl.organization_id, cl.member_id, cl.topic_id,
        CASE WHEN cl.validated_lead_rating_id > coalesce(cl.self_rating_id, 0)
          THEN cl.validated_lead_level ELSE cl.self_level END AS level,
        CASE WHEN cl.validated_lead_rating_id > coalesce(cl.self_rating_id, 0)
          THEN 'lead' ELSE 'self' END::rating_source AS source,
        CASE WHEN cl.validated_lead_rating_id > coalesce(cl.self_rating_id, 0)
          THEN cl.validated_lead_rated_at ELSE cl.self_rated_at END AS rated_at,
        cl.self_rating_id, cl.self_level, cl.lead_rating_id, cl.lead_level
      FROM current_levels cl
      WHERE cl.self_rating_id IS NOT NULL OR cl.validated_lead_rating_id IS NOT NULL;

    -- The level as of a cycle, for everyone or for these members.
    CREATE FUNCTION member_levels_as_of(p_cycle uuid, p_members uuid[] DEFAULT NULL)
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

    CREATE OR REPLACE FUNCTION record_cycle_progress(p_cycle uuid) RETURNS void LANGUAGE sql AS $$
      DELETE FROM cycle_progress WHERE cycle_id = p_cycle;
      WITH cy AS (SELECT * FROM cycles WHERE id = p_cycle)
      INSERT INTO cycle_progress
        (organization_id, cycle_id, member_id, category_id, must_have_total, must_have_met)
      SELECT cy.organization_id, cy.id, m.id, t.category_id,
        count(s.level), count(*) FILTER (WHERE s.level >= tt.target_level)
      FROM cy
      JOIN memberships m ON m.organization_id = cy.organization_id AND m.active
      JOIN topic_targets tt ON tt.framework_version_id = cy.framework_version_id
        AND tt.target_profile_id = m.target_profile_id AND tt.priority = 'must_have'
      JOIN topic_revisions t ON t.framework_version_id = cy.framework_version_id
        AND t.topic_id = tt.topic_id AND NOT t.retired
      JOIN member_levels_as_of(p_cycle) s ON s.member_id = m.id AND s.topic_id = tt.topic_id
      GROUP BY cy.organization_id, cy.id, m.id, t.category_id;
    $$;
    -- Closed cycles' progress under the one rule (an unvalidated lead level no longer counts).
    SELECT record_cycle_progress(id) FROM cycles WHERE status = 'closed' ORDER BY starts_on;

    DROP TRIGGER ratings_current ON ratings;
    DROP FUNCTION ratings_maintain_current();
    DROP TABLE current_ratings;
  `.execute(db);
}

export async function down(db: Db): Promise<void> {
  await sql`
    CREATE TABLE current_ratings (
      organization_id uuid NOT NULL, member_id uuid NOT NULL, topic_id uuid NOT NULL,
      source rating_source NOT NULL, rating_id bigint NOT NULL REFERENCES ratings (id),
      cycle_id uuid NOT NULL, level smallint, rated_at timestamptz NOT NULL,
      CONSTRAINT current_ratings_pkey PRIMARY KEY (member_id, topic_id, source),
      CONSTRAINT current_ratings_member_fk FOREIGN KEY (organization_id, member_id)
        REFERENCES memberships (organization_id, id)
    );
    CREATE INDEX current_ratings_org_topic_idx ON current_ratings (organization_id, topic_id, source);
    INSERT INTO current_ratings
      SELECT organization_id, member_id, topic_id, 'self', self_rating_id, self_cycle_id,
        self_level, self_rated_at FROM current_levels WHERE self_rating_id IS NOT NULL
      UNION ALL
      SELECT organization_id, member_id, topic_id, 'lead', lead_rating_id, lead_cycle_id,
        lead_level, lead_rated_at FROM current_levels WHERE lead_rating_id IS NOT NULL;
    CREATE FUNCTION ratings_maintain_current() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO current_ratings AS c
        (organization_id, member_id, topic_id, source, rating_id, cycle_id, level, rated_at)
      VALUES (NEW.organization_id, NEW.member_id, NEW.topic_id, NEW.source, NEW.id,
              NEW.cycle_id, NEW.level, NEW.created_at)
      ON CONFLICT (member_id, topic_id, source) DO UPDATE
        SET rating_id = EXCLUDED.rating_id, cycle_id = EXCLUDED.cycle_id,
            level = EXCLUDED.level, rated_at = EXCLUDED.rated_at
        WHERE c.rating_id < EXCLUDED.rating_id;
      RETURN NULL;
    END $$;
    CREATE TRIGGER ratings_current AFTER INSERT ON ratings
      FOR EACH ROW EXECUTE FUNCTION ratings_maintain_current();

    DROP VIEW member_levels;
    DROP TRIGGER assessments_validated_leads_insert ON assessments;
    DROP TRIGGER assessments_validated_leads_update ON assessments;
    DROP TRIGGER assessments_validated_leads_delete ON assessments;
    DROP FUNCTION assessments_maintain_validated_leads();
    DROP FUNCTION refresh_validated_leads(uuid[]);
  `.execute(db);
  await sql`
    CREATE OR REPLACE FUNCTION record_cycle_progress(p_cycle uuid) RETURNS void LANGUAGE sql AS $$
      DELETE FROM cycle_progress WHERE cycle_id = p_cycle;
      WITH cy AS (SELECT * FROM cycles WHERE id = p_cycle),
      latest AS (
        SELECT DISTINCT ON (r.member_id, r.topic_id, r.source) r.member_id, r.topic_id, r.source,
          r.level, rc.starts_on, r.id
        FROM cy
        JOIN cycles rc ON rc.organization_id = cy.organization_id AND rc.starts_on <= cy.starts_on
        JOIN ratings r ON r.organization_id = cy.organization_id AND r.cycle_id = rc.id
        ORDER BY r.member_id, r.topic_id, r.source, rc.starts_on DESC, r.id DESC
      ),
      shown AS (
        SELECT member_id, topic_id,
          (array_agg(level ORDER BY starts_on DESC, id DESC))[1] AS level
        FROM latest GROUP BY member_id, topic_id
      )
      INSERT INTO cycle_progress
        (organization_id, cycle_id, member_id, category_id, must_have_total, must_have_met)
      SELECT cy.organization_id, cy.id, m.id, t.category_id,
        count(s.level), count(*) FILTER (WHERE s.level >= tt.target_level)
      FROM cy
      JOIN memberships m ON m.organization_id = cy.organization_id AND m.active
      JOIN topic_targets tt ON tt.framework_version_id = cy.framework_version_id
        AND tt.target_profile_id = m.target_profile_id AND tt.priority = 'must_have'
      JOIN topic_revisions t ON t.framework_version_id = cy.framework_version_id
        AND t.topic_id = tt.topic_id AND NOT t.retired
      JOIN shown s ON s.member_id = m.id AND s.topic_id = tt.topic_id
      GROUP BY cy.organization_id, cy.id, m.id, t.category_id;
    $$;
    DROP FUNCTION member_levels_as_of(uuid, uuid[]);
    CREATE OR REPLACE FUNCTION ratings_maintain_levels() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.source = 'self' THEN
        INSERT INTO current_levels AS c
          (organization_id, member_id, topic_id, self_rating_id, self_level, self_rated_at)
        VALUES (NEW.organization_id, NEW.member_id, NEW.topic_id, NEW.id, NEW.level, NEW.created_at)
        ON CONFLICT (member_id, topic_id) DO UPDATE
          SET self_rating_id = EXCLUDED.self_rating_id, self_level = EXCLUDED.self_level,
              self_rated_at = EXCLUDED.self_rated_at
          WHERE c.self_rating_id IS NULL OR c.self_rating_id < EXCLUDED.self_rating_id;
      ELSE
        INSERT INTO current_levels AS c
          (organization_id, member_id, topic_id, lead_rating_id, lead_level, lead_rated_at)
        VALUES (NEW.organization_id, NEW.member_id, NEW.topic_id, NEW.id, NEW.level, NEW.created_at)
        ON CONFLICT (member_id, topic_id) DO UPDATE
          SET lead_rating_id = EXCLUDED.lead_rating_id, lead_level = EXCLUDED.lead_level,
              lead_rated_at = EXCLUDED.lead_rated_at
          WHERE c.lead_rating_id IS NULL OR c.lead_rating_id < EXCLUDED.lead_rating_id;
      END IF;
      RETURN NULL;
    END $$;
    ALTER TABLE current_levels
      DROP COLUMN self_cycle_id, DROP COLUMN lead_cycle_id, DROP COLUMN validated_lead_rating_id,
      DROP COLUMN validated_lead_level, DROP COLUMN validated_lead_rated_at;
  `.execute(db);
}
