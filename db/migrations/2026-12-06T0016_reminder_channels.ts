import { sql, type Kysely } from "kysely";

// Reminders where people are (issue 27): a team's Slack, Microsoft Teams or signed-webhook
// channel, the deliveries of team messages to those channels (an outbox of their own, one
// row per message and channel), the message model kept beside each email so a channel can
// say the same thing, and each member's private calendar feed.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

export async function up(db: Db): Promise<void> {
  await sql`
    -- The URL (and a webhook's signing secret) are sealed with ENCRYPTION_KEY
    -- (app/lib/secret-box.server.ts) and never shown again; url_host is what the page shows.
    CREATE TABLE team_channels (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
      team_id uuid NOT NULL,
      kind text NOT NULL CHECK (kind IN ('slack', 'teams', 'webhook')),
      url_sealed text NOT NULL,
      url_host text NOT NULL,
      secret_sealed text,
      -- Set when the receiver said the channel is gone (HTTP 410); nothing more is sent.
      disabled_at timestamptz,
      disabled_reason text,
      created_by_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      FOREIGN KEY (organization_id, team_id) REFERENCES teams (organization_id, id) ON DELETE CASCADE,
      UNIQUE (team_id, kind)
    );
    CREATE INDEX team_channels_org_idx ON team_channels (organization_id, team_id);

    -- A team message's delivery to one channel: the key names the message and the channel,
    -- so it is written once; status moves pending → sending → sent | failed (ADR 012).
    CREATE TABLE channel_deliveries (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
      channel_id uuid NOT NULL REFERENCES team_channels (id) ON DELETE CASCADE,
      kind text NOT NULL,
      idempotency_key text NOT NULL UNIQUE,
      content jsonb NOT NULL,
      status notification_status NOT NULL DEFAULT 'pending',
      attempts integer NOT NULL DEFAULT 0,
      last_error text,
      dispatched_at timestamptz,
      dispatch_round integer NOT NULL DEFAULT 0,
      sending_since timestamptz,
      sent_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX channel_deliveries_org_created_idx ON channel_deliveries (organization_id, created_at);
    CREATE INDEX channel_deliveries_pending_idx ON channel_deliveries (dispatched_at NULLS FIRST)
      WHERE status = 'pending';
    CREATE INDEX channel_deliveries_sending_idx ON channel_deliveries (sending_since)
      WHERE status = 'sending';

    -- What a message says, apart from its greeting and footer (title, lines, action), so a
    -- team channel can carry a lead's digest in the same words as the email.
    ALTER TABLE notifications ADD COLUMN content jsonb;

    -- A member's private calendar subscription: only the token's SHA-256 is stored.
    CREATE TABLE calendar_feeds (
      membership_id uuid PRIMARY KEY REFERENCES memberships (id) ON DELETE CASCADE,
      organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
      token_hash text NOT NULL UNIQUE,
      -- A lead's feed also holds the check-ins of the teams they lead.
      include_team boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now()
    );
  `.execute(db);
}

export async function down(db: Db): Promise<void> {
  await sql`
    DROP TABLE calendar_feeds;
    ALTER TABLE notifications DROP COLUMN content;
    DROP TABLE channel_deliveries;
    DROP TABLE team_channels;
  `.execute(db);
}
