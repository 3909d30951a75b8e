import fc from "fast-check";
import { sql } from "kysely";
import { beforeAll, expect, it } from "vitest";
import { db } from "#db/database";
import { createFramework } from "~/modules/frameworks/create-framework.server";
import { addMember, createOrgWithAdmin, createTeamRow } from "../support/factories";

// level_counts (migration 0020) is kept by triggers as ratings, validations, profiles, teams
// and activity change. Whatever happens, and in whatever interleaving of transactions, it must
// equal the same counts made afresh from member_levels: the gap view reads it as the truth.

const PEOPLE = 5;
const TOPICS = ["a1", "a2", "b1"] as const;

let organizationId: string;
let cycleId: string;
let members: string[];
let teams: string[];
let topicIds: string[];
let profileIds: string[];

beforeAll(async () => {
  const org = await createOrgWithAdmin();
  organizationId = org.organizationId;
  const framework = await db.transaction().execute((trx) =>
    createFramework(trx, {
      organizationId,
      name: "Counted",
      outline: {
        categories: [
          { name: "A", kind: "skills", topics: [{ name: "a1" }, { name: "a2" }] },
          { name: "B", kind: "skills", topics: [{ name: "b1" }] },
        ],
        ignored: [],
      },
      profiles: ["Senior", "Mid"].map((name) => ({
        name,
        targetFor: () => ({ level: 3, priority: "must_have" as const }),
      })),
      createdByUserId: org.admin.id,
    }),
  );
  profileIds = Object.values(framework.profileIds);
  topicIds = (
    await db
      .selectFrom("topic_revisions")
      .select("topic_id")
      .where("framework_version_id", "=", framework.versionId)
      .execute()
  ).map((r) => r.topic_id);
  expect(topicIds).toHaveLength(TOPICS.length);
  cycleId = (
    await db
      .insertInto("cycles")
      .values({
        organization_id: organizationId,
        framework_version_id: framework.versionId,
        name: "2026-Q4",
        status: "open",
        starts_on: "2026-10-01",
        due_on: "2026-11-15",
        ends_on: "2026-12-31",
        opened_at: new Date(),
      })
      .returning("id")
      .executeTakeFirstOrThrow()
  ).id;
  members = [];
  for (let i = 0; i < PEOPLE; i++)
    members.push((await addMember(organizationId, "engineer", `P${i}`)).membershipId);
  teams = [
    (await createTeamRow(organizationId, "Left")).id,
    (await createTeamRow(organizationId, "Right")).id,
  ];
});

type Change =
  | { kind: "rate"; member: number; topic: number; level: number | null; lead: boolean }
  | { kind: "validate" | "reopen"; member: number }
  | { kind: "profile"; member: number; profile: number | null }
  | { kind: "active"; member: number; active: boolean }
  | { kind: "join" | "leave"; member: number; team: number };

const member = fc.nat({ max: PEOPLE - 1 });
const change: fc.Arbitrary<Change> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("rate" as const),
      member,
      topic: fc.nat({ max: TOPICS.length - 1 }),
      level: fc.option(fc.integer({ min: 0, max: 4 }), { freq: 5 }),
      lead: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("validate" as const), member }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("reopen" as const), member }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("profile" as const),
      member,
      profile: fc.option(fc.nat({ max: 1 }), { freq: 3 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("active" as const), member, active: fc.boolean() }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom("join" as const, "leave" as const),
      member,
      team: fc.nat({ max: 1 }),
    }),
  },
);

/** Carries out one change in its own transaction, as the app's writes do. */
async function apply(c: Change) {
  const memberId = members[c.member]!;
  await db.transaction().execute(async (trx) => {
    switch (c.kind) {
      case "rate":
        await trx
          .insertInto("ratings")
          .values({
            organization_id: organizationId,
            cycle_id: cycleId,
            member_id: memberId,
            topic_id: topicIds[c.topic]!,
            source: c.lead ? "lead" : "self",
            level: c.level,
          })
          .execute();
        return;
      case "validate":
      case "reopen": {
        const status = c.kind === "validate" ? "validated" : "draft";
        await trx
          .insertInto("assessments")
          .values({
            organization_id: organizationId,
            cycle_id: cycleId,
            member_id: memberId,
            status,
          })
          .onConflict((oc) =>
            oc.columns(["cycle_id", "member_id", "organization_id"]).doUpdateSet({ status }),
          )
          .execute();
        return;
      }
      case "profile":
        await trx
          .updateTable("memberships")
          .set({ target_profile_id: c.profile === null ? null : profileIds[c.profile]! })
          .where("id", "=", memberId)
          .execute();
        return;
      case "active":
        await trx
          .updateTable("memberships")
          .set({ active: c.active })
          .where("id", "=", memberId)
          .execute();
        return;
      case "join":
        await trx
          .insertInto("team_members")
          .values({
            organization_id: organizationId,
            team_id: teams[c.team]!,
            membership_id: memberId,
          })
          .onConflict((oc) => oc.doNothing())
          .execute();
        return;
      case "leave":
        await trx
          .deleteFrom("team_members")
          .where("team_id", "=", teams[c.team]!)
          .where("membership_id", "=", memberId)
          .execute();
    }
  });
}

/** The kept counts and the same counts made afresh, each as sorted "scope topic profile level: n". */
async function keptAndRecounted() {
  const line = sql<string>`concat_ws(' ', scope_id, topic_id, coalesce(target_profile_id::text, '-'),
    coalesce(level::text, 'n/a'), people)`;
  const { rows: kept } = await sql<{ line: string }>`
    SELECT ${line} AS line FROM level_counts
    WHERE organization_id = ${organizationId} AND people <> 0 ORDER BY 1`.execute(db);
  const { rows: fresh } = await sql<{ line: string }>`
    SELECT ${line} AS line FROM (
      SELECT s.scope_id, ml.topic_id, m.target_profile_id, ml.level, count(*) AS people
      FROM member_levels ml
      JOIN memberships m ON m.id = ml.member_id AND m.active
      CROSS JOIN LATERAL (SELECT m.organization_id AS scope_id
        UNION ALL SELECT team_id FROM team_members WHERE membership_id = m.id) s
      WHERE ml.organization_id = ${organizationId}
      GROUP BY 1, 2, 3, 4) x
    ORDER BY 1`.execute(db);
  return { kept: kept.map((r) => r.line), fresh: fresh.map((r) => r.line) };
}

it("equals a full recount after any changes, one after another or at once", async () => {
  const seen = new Set<string>();
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.array(change, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }),
      async (rounds) => {
        // Each round's changes run at once, in concurrent transactions.
        for (const round of rounds) await Promise.all(round.map(apply));
        const { kept, fresh } = await keptAndRecounted();
        expect(kept).toEqual(fresh);
        for (const line of fresh) {
          const [scope, , , level] = line.split(" ");
          seen.add(scope === organizationId ? "organisation" : "team");
          if (level === "n/a") seen.add("n/a");
        }
        // Never below zero, whatever the order the differences arrived in.
        const { rows } = await sql<{ n: number }>`
          SELECT count(*)::int AS n FROM level_counts WHERE people < 0`.execute(db);
        expect(rows[0]!.n).toBe(0);
      },
    ),
    { numRuns: 40 },
  );
  // The runs covered every kind of group: the organisation's, a team's, and N/A.
  expect([...seen].sort()).toEqual(["n/a", "organisation", "team"]);
}, 240_000);
