import { sql, type Kysely } from "kysely";

// Growth (issue 24): development plans with goals and comments, learning resources on topics,
// and the plans' goals frozen into each quarterly report. Readiness needs no table: it is
// read from member_levels (migration 0006) against a profile's targets.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

export async function up(db: Db): Promise<void> {
  await sql`
    CREATE TYPE plan_status AS ENUM ('active', 'closed');

    -- A member's plan for a cycle; at most one active per member and cycle.
    CREATE TABLE development_plans (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
      member_id uuid NOT NULL,
      cycle_id uuid NOT NULL,
      status plan_status NOT NULL DEFAULT 'active',
      created_by_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      closed_at timestamptz,
      UNIQUE (organization_id, id),
      FOREIGN KEY (organization_id, member_id) REFERENCES memberships (organization_id, id),
      FOREIGN KEY (organization_id, cycle_id) REFERENCES cycles (organization_id, id)
    );
    CREATE UNIQUE INDEX development_plans_one_active ON development_plans (member_id, cycle_id)
      WHERE status = 'active';
    CREATE INDEX development_plans_org_member ON development_plans (organization_id, member_id);

    -- 1–5 goals per plan (the count is checked by the module under a lock on the plan).
    CREATE TABLE plan_goals (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      organization_id uuid NOT NULL,
      plan_id uuid NOT NULL,
      topic_id uuid NOT NULL,
      target_level smallint NOT NULL CHECK (target_level BETWEEN 0 AND 4),
      due_cycle_id uuid NOT NULL,
      actions text NOT NULL DEFAULT '',
      learning_urls text[] NOT NULL DEFAULT '{}',
      mentorship_id uuid,
      position integer NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      FOREIGN KEY (organization_id, plan_id) REFERENCES development_plans (organization_id, id)
        ON DELETE CASCADE,
      FOREIGN KEY (organization_id, topic_id) REFERENCES topics (organization_id, id),
      FOREIGN KEY (organization_id, due_cycle_id) REFERENCES cycles (organization_id, id),
      FOREIGN KEY (organization_id, mentorship_id) REFERENCES mentorships (organization_id, id)
        ON DELETE SET NULL (mentorship_id)
    );
    CREATE INDEX plan_goals_plan ON plan_goals (plan_id, position);
    CREATE INDEX plan_goals_due ON plan_goals (organization_id, due_cycle_id);

    CREATE TABLE plan_comments (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      organization_id uuid NOT NULL,
      plan_id uuid NOT NULL,
      author_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
      body text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      FOREIGN KEY (organization_id, plan_id) REFERENCES development_plans (organization_id, id)
        ON DELETE CASCADE
    );
    CREATE INDEX plan_comments_plan ON plan_comments (plan_id, created_at);

    -- Learning links on a topic (its identity, across framework versions).
    CREATE TABLE topic_resources (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      organization_id uuid NOT NULL,
      topic_id uuid NOT NULL,
      title text NOT NULL,
      url text NOT NULL CHECK (url ~* '^https?://'),
      level smallint CHECK (level BETWEEN 0 AND 4),
      position integer NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      FOREIGN KEY (organization_id, topic_id) REFERENCES topics (organization_id, id)
        ON DELETE CASCADE
    );
    CREATE INDEX topic_resources_topic ON topic_resources (topic_id, position);

    -- Each report's members' plan goals as they stood for its cycle, copied like report_rows.
    CREATE TABLE report_plan_goals (
      report_id uuid NOT NULL,
      organization_id uuid NOT NULL,
      member_id uuid NOT NULL,
      goal_id uuid NOT NULL,
      topic_name text NOT NULL,
      target_level smallint NOT NULL,
      due_cycle_name text NOT NULL,
      level smallint,
      outcome text NOT NULL CHECK (outcome IN ('met', 'missed', 'carried_over')),
      position integer NOT NULL,
      PRIMARY KEY (report_id, goal_id),
      FOREIGN KEY (organization_id, report_id) REFERENCES reports (organization_id, id)
        ON DELETE CASCADE
    );
    CREATE INDEX report_plan_goals_member ON report_plan_goals (report_id, member_id);
  `.execute(db);
}

export async function down(db: Db): Promise<void> {
  await sql`
    DROP TABLE report_plan_goals;
    DROP TABLE topic_resources;
    DROP TABLE plan_comments;
    DROP TABLE plan_goals;
    DROP TABLE development_plans;
    DROP TYPE plan_status;
  `.execute(db);
}
