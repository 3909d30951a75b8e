import { sql, type Kysely } from "kysely";

// An organisation's data in and out (issue 28): archives built by the worker, organisations
// closed for deletion (erased after a grace period), and the one way past the append-only and
// frozen triggers: an erasure, inside its own transaction, says so with `gapmap.erasure`.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

export async function up(db: Db): Promise<void> {
  await sql`
    -- An export archive, kept in the database so that any web process can serve what any
    -- worker built (no shared disk); removed by housekeeping once it has expired.
    CREATE TABLE organization_exports (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
      requested_by_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
      status text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'running', 'ready', 'failed')),
      progress smallint NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
      stage text,
      archive bytea,
      byte_size integer,
      counts jsonb,
      error text,
      created_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz,
      expires_at timestamptz
    );
    CREATE INDEX organization_exports_org_idx ON organization_exports (organization_id, created_at DESC);

    -- Closed: nobody signs in any more, and the worker erases it once erase_after has passed,
    -- unless an admin cancels first.
    ALTER TABLE organizations
      ADD COLUMN closed_at timestamptz,
      ADD COLUMN erase_after timestamptz,
      ADD COLUMN closed_by_user_id uuid REFERENCES users (id) ON DELETE SET NULL;
    CREATE INDEX organizations_erase_after_idx ON organizations (erase_after)
      WHERE erase_after IS NOT NULL;

    CREATE OR REPLACE FUNCTION ratings_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF current_setting('gapmap.erasure', true) = 'on' THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
      END IF;
      RAISE EXCEPTION 'ratings are append-only' USING ERRCODE = 'restrict_violation';
    END $$;

    CREATE OR REPLACE FUNCTION reports_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF current_setting('gapmap.erasure', true) = 'on' THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION 'reports are frozen snapshots' USING ERRCODE = 'restrict_violation';
    END $$;
  `.execute(db);
}

export async function down(db: Db): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION reports_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'reports are frozen snapshots' USING ERRCODE = 'restrict_violation';
    END $$;
    CREATE OR REPLACE FUNCTION ratings_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'ratings are append-only' USING ERRCODE = 'restrict_violation';
    END $$;
    DROP INDEX organizations_erase_after_idx;
    ALTER TABLE organizations DROP COLUMN closed_by_user_id, DROP COLUMN erase_after,
      DROP COLUMN closed_at;
    DROP TABLE organization_exports;
  `.execute(db);
}
