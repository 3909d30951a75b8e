import { sql, type Kysely } from "kysely";

// Single sign-on with OpenID Connect (issue 25), and invitations that carry a name and a
// target profile (bulk invitations from a CSV).

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

export async function up(db: Db): Promise<void> {
  await sql`
    -- One identity provider per organisation. The client secret is sealed with
    -- ENCRYPTION_KEY (app/lib/secret-box.server.ts); the plain secret is never stored.
    CREATE TABLE sso_connections (
      organization_id uuid PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
      issuer_url text NOT NULL,
      client_id text NOT NULL,
      client_secret_sealed text NOT NULL,
      default_role member_role NOT NULL DEFAULT 'engineer',
      default_team_id uuid,
      require_sso boolean NOT NULL DEFAULT false,
      updated_at timestamptz NOT NULL DEFAULT now(),
      created_at timestamptz NOT NULL DEFAULT now(),
      FOREIGN KEY (organization_id, default_team_id) REFERENCES teams (organization_id, id)
        ON DELETE SET NULL (default_team_id)
    );

    -- An email domain belongs to one organisation's SSO at most: the login page routes an
    -- address by its domain, and two claims would let one organisation catch another's people.
    CREATE TABLE sso_domains (
      domain text PRIMARY KEY CHECK (domain = lower(domain)),
      organization_id uuid NOT NULL REFERENCES sso_connections (organization_id) ON DELETE CASCADE
    );
    CREATE INDEX sso_domains_org_idx ON sso_domains (organization_id);

    -- A sign-in on its way through the provider: state (hashed), nonce and PKCE verifier,
    -- spent by the callback exactly once.
    CREATE TABLE sso_login_attempts (
      state_hash text PRIMARY KEY,
      organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
      nonce text NOT NULL,
      code_verifier text NOT NULL,
      redirect_to text NOT NULL,
      expires_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX sso_login_attempts_expiry_idx ON sso_login_attempts (expires_at);

    -- A session started through an organisation's SSO acts in that organisation only.
    ALTER TABLE sessions
      ADD COLUMN sso_organization_id uuid REFERENCES organizations (id) ON DELETE CASCADE;

    ALTER TABLE invitations
      ADD COLUMN display_name text,
      ADD COLUMN target_profile_id uuid REFERENCES target_profiles (id) ON DELETE SET NULL;
    -- One pending invitation per address, so a bulk invitation sent twice (a second click)
    -- cannot invite anyone twice. Older duplicates, if a race ever left any, are revoked first.
    UPDATE invitations SET revoked_at = now()
      WHERE id IN (
        SELECT id FROM (
          SELECT id, row_number() OVER (PARTITION BY organization_id, email ORDER BY created_at DESC) AS n
          FROM invitations WHERE accepted_at IS NULL AND revoked_at IS NULL
        ) ranked WHERE n > 1
      );
    CREATE UNIQUE INDEX invitations_pending_email_key ON invitations (organization_id, email)
      WHERE accepted_at IS NULL AND revoked_at IS NULL;
  `.execute(db);
}

export async function down(db: Db): Promise<void> {
  await sql`
    DROP INDEX invitations_pending_email_key;
    ALTER TABLE invitations DROP COLUMN display_name, DROP COLUMN target_profile_id;
    ALTER TABLE sessions DROP COLUMN sso_organization_id;
    DROP TABLE sso_login_attempts;
    DROP TABLE sso_domains;
    DROP TABLE sso_connections;
  `.execute(db);
}
