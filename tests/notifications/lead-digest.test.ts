import { beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { planReminders } from "~/modules/notifications/reminders.server";
import { addMember, createOrgWithAdmin, createTeamRow } from "../support/factories";

// The weekly lead digest in an organisation with two leads, each of a team with one
// submitted self-assessment: every lead gets their own digest each week, once.

let organizationId: string;
let leads: { email: string }[];

beforeAll(async () => {
  const org = await createOrgWithAdmin();
  organizationId = org.organizationId;
  const version = await db
    .selectFrom("organizations as o")
    .innerJoin("frameworks as f", "f.id", "o.default_framework_id")
    .select("f.current_version_id")
    .where("o.id", "=", organizationId)
    .executeTakeFirstOrThrow();
  const cycle = await db
    .insertInto("cycles")
    .values({
      organization_id: organizationId,
      framework_version_id: version.current_version_id as string,
      name: "2026-Q4",
      status: "open",
      starts_on: "2026-10-01",
      due_on: "2026-11-20",
      ends_on: "2026-12-31",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  leads = [];
  for (const name of ["North", "South"]) {
    const lead = await addMember(organizationId, "lead", `${name} Lead`);
    const engineer = await addMember(organizationId, "engineer", `${name} Engineer`);
    const team = await createTeamRow(organizationId, name);
    await db
      .insertInto("team_members")
      .values([
        {
          organization_id: organizationId,
          team_id: team.id,
          membership_id: lead.membershipId,
          is_lead: true,
        },
        { organization_id: organizationId, team_id: team.id, membership_id: engineer.membershipId },
      ])
      .execute();
    await db
      .insertInto("assessments")
      .values({
        organization_id: organizationId,
        cycle_id: cycle.id,
        member_id: engineer.membershipId,
        status: "submitted",
        submitted_at: new Date(),
      })
      .execute();
    leads.push(lead);
  }
});

const digests = () =>
  db
    .selectFrom("notifications")
    .select(["recipient_email", "subject"])
    .where("organization_id", "=", organizationId)
    .where("kind", "=", "lead_digest")
    .orderBy("recipient_email")
    .execute();

describe("the weekly lead digest", () => {
  it("goes to each lead of the organisation, each about their own team, once a week", async () => {
    const monday = new Date("2026-11-16T08:00:00Z");
    await planReminders(monday, { organizationId });
    const sent = await digests();
    expect(sent.map((d) => d.recipient_email)).toEqual(leads.map((l) => l.email).sort());
    // Each lead's team holds one submission to validate, not the other team's.
    for (const digest of sent)
      expect(digest.subject).toMatch(/^Your teams this week: 1 to validate/);

    // Later the same week (and on every other worker's scan): nothing new for anyone.
    await planReminders(new Date("2026-11-19T08:00:00Z"), { organizationId });
    expect(await digests()).toHaveLength(2);
    // The next week: a new digest for each lead.
    await planReminders(new Date("2026-11-23T08:00:00Z"), { organizationId });
    expect(await digests()).toHaveLength(4);
  });
});
