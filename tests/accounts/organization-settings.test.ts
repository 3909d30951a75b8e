import { describe, expect, it } from "vitest";
import { db } from "#db/database";
import * as settingsRoute from "~/routes/_app.admin.settings";
import { addMember, createOrgWithAdmin } from "../support/factories";
import { buildRequest, call } from "../support/remix";

const valid = {
  name: "Renamed Org",
  timeZone: "Asia/Tokyo",
  privacyFloor: "5",
  staleAfterDays: "180",
  mentorCapacity: "4",
  dueReminderDays: "1, 14 3",
};

async function settingsOf(organizationId: string) {
  return db
    .selectFrom("organizations")
    .select([
      "name",
      "time_zone",
      "privacy_floor",
      "stale_after_days",
      "mentor_capacity",
      "due_reminder_days",
    ])
    .where("id", "=", organizationId)
    .executeTakeFirstOrThrow();
}

describe("organisation settings", () => {
  it("lets an admin change the privacy floor, staleness, name and time zone", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    const res = await call(
      settingsRoute.action,
      buildRequest("/admin/settings", { cookie: admin.cookie, form: valid }),
    );
    expect(res.data).toEqual({ ok: true, message: "Settings saved." });
    expect(await settingsOf(organizationId)).toEqual({
      name: "Renamed Org",
      time_zone: "Asia/Tokyo",
      privacy_floor: 5,
      stale_after_days: 180,
      mentor_capacity: 4,
      due_reminder_days: [14, 3, 1],
    });
    const audit = await db
      .selectFrom("audit_log")
      .select("action")
      .where("organization_id", "=", organizationId)
      .where("action", "=", "organization.settings_changed")
      .execute();
    expect(audit).toHaveLength(1);
  });

  it("puts each bad value's message beside its field and changes nothing", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    const before = await settingsOf(organizationId);
    const res = await call(
      settingsRoute.action,
      buildRequest("/admin/settings", {
        cookie: admin.cookie,
        form: {
          name: " ",
          timeZone: "Mars/Olympus",
          privacyFloor: "0",
          staleAfterDays: "1e9",
          mentorCapacity: "-1",
          dueReminderDays: "7, 0",
        },
      }),
    );
    expect(res.status).toBe(422);
    expect(res.data).toMatchObject({
      fieldErrors: {
        timeZone: "Choose a time zone from the list, e.g. Europe/Berlin.",
        privacyFloor: "The privacy floor must be at least 1.",
        staleAfterDays: "Stale after must be at most 1095.",
        mentorCapacity: "The mentoring cap must be at least 1.",
        dueReminderDays: "List whole numbers of days from 1 to 60, separated by commas, like 7, 1.",
      },
    });
    expect((res.data as { fieldErrors: Record<string, string> }).fieldErrors.name).toBeTruthy();
    expect(await settingsOf(organizationId)).toEqual(before);
  });

  it("an empty list of due-date reminders turns them off", async () => {
    const { organizationId, admin } = await createOrgWithAdmin();
    await call(
      settingsRoute.action,
      buildRequest("/admin/settings", {
        cookie: admin.cookie,
        form: { ...valid, dueReminderDays: " " },
      }),
    );
    expect((await settingsOf(organizationId)).due_reminder_days).toEqual([]);
  });

  it("is for admins only", async () => {
    const { organizationId } = await createOrgWithAdmin();
    const lead = await addMember(organizationId, "lead");
    for (const fn of [settingsRoute.loader, settingsRoute.action]) {
      const res = await call(
        fn,
        buildRequest("/admin/settings", { cookie: lead.cookie, form: valid }),
      );
      expect(res.status).toBe(403);
    }
  });
});
