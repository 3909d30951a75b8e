import { sql, type Kysely } from "kysely";

// The lead's judgement, closed as a loop (issue 18):
// - calibration_resolutions: a calibration item (self and lead levels two or more apart) is
//   resolved only by a lead's explicit action, recorded against the exact pair of ratings it
//   settled. A newer rating on either side makes a new pair: an item that differs again is
//   open again. Append-only: the rows are the item's history.
// - assessments.acknowledged_at: the member has read the lead's validation (reset when it is
//   validated again).

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

export async function up(db: Db): Promise<void> {
  await sql`
    CREATE TYPE calibration_resolution AS ENUM ('lead_level', 'self_level', 'keep_both');
    CREATE TABLE calibration_resolutions (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      organization_id uuid NOT NULL,
      member_id uuid NOT NULL,
      topic_id uuid NOT NULL,
      self_rating_id bigint NOT NULL REFERENCES ratings (id),
      lead_rating_id bigint NOT NULL REFERENCES ratings (id),
      resolution calibration_resolution NOT NULL,
      note text CHECK (char_length(note) <= 2000),
      resolved_by_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT calibration_resolutions_member_fk FOREIGN KEY (organization_id, member_id)
        REFERENCES memberships (organization_id, id),
      CONSTRAINT calibration_resolutions_topic_fk FOREIGN KEY (organization_id, topic_id)
        REFERENCES topics (organization_id, id)
    );
    -- "Is this pair resolved?" for every queue row, and an item's history.
    CREATE INDEX calibration_resolutions_pair_idx
      ON calibration_resolutions (member_id, topic_id, self_rating_id, lead_rating_id);
    CREATE INDEX calibration_resolutions_recent_idx
      ON calibration_resolutions (organization_id, created_at DESC);
    -- The queue is a cached gap figure (migration 0005): a resolution changes it.
    CREATE TRIGGER calibration_resolutions_gap_data_insert AFTER INSERT
      ON calibration_resolutions REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION gap_data_changed();
    CREATE TRIGGER calibration_resolutions_gap_data_update AFTER UPDATE
      ON calibration_resolutions REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION gap_data_changed();
    CREATE TRIGGER calibration_resolutions_gap_data_delete AFTER DELETE
      ON calibration_resolutions REFERENCING OLD TABLE AS old_rows
      FOR EACH STATEMENT EXECUTE FUNCTION gap_data_changed();

    ALTER TABLE assessments ADD COLUMN acknowledged_at timestamptz;
  `.execute(db);
}

export async function down(db: Db): Promise<void> {
  await sql`
    ALTER TABLE assessments DROP COLUMN acknowledged_at;
    DROP TABLE calibration_resolutions;
    DROP TYPE calibration_resolution;
  `.execute(db);
}
