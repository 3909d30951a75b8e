import { z } from "zod";
import { db } from "#db/database";
import { recordAudit } from "~/modules/audit/audit.server";
import type { MemberContext } from "./auth.server";
import { organizationNameField } from "./schemas";

const TIME_ZONES = new Set(Intl.supportedValuesOf("timeZone").concat("UTC"));

const wholeNumber = (label: string, min: number, max: number) =>
  z.coerce
    .number({ error: `${label} must be a number.` })
    .int(`${label} must be a whole number.`)
    .min(min, `${label} must be at least ${min}.`)
    .max(max, `${label} must be at most ${max}.`);

export const OrganizationSettingsSchema = z.object({
  name: organizationNameField,
  timeZone: z
    .string()
    .trim()
    .refine(
      (zone) => TIME_ZONES.has(zone),
      "Choose a time zone from the list, e.g. Europe/Berlin.",
    ),
  privacyFloor: wholeNumber("The privacy floor", 1, 50),
  staleAfterDays: wholeNumber("Stale after", 30, 1095),
  mentorCapacity: wholeNumber("The mentoring cap", 1, 20),
  /** "7, 1": remind that the self-assessment is due this many days before; empty: never. */
  dueReminderDays: z
    .string()
    .trim()
    .max(100, "List at most a few days, like 7, 1.")
    .transform((text, ctx) => {
      const parts = text === "" ? [] : text.split(/[\s,]+/).filter(Boolean);
      const days = parts.map(Number);
      if (days.some((d) => !Number.isInteger(d) || d < 1 || d > 60)) {
        ctx.addIssue({
          code: "custom",
          message: "List whole numbers of days from 1 to 60, separated by commas, like 7, 1.",
        });
        return z.NEVER;
      }
      if (days.length > 5) {
        ctx.addIssue({ code: "custom", message: "List at most 5 reminders." });
        return z.NEVER;
      }
      return [...new Set(days)].sort((a, b) => b - a);
    }),
});

export type OrganizationSettings = z.output<typeof OrganizationSettingsSchema>;

export function timeZoneChoices() {
  return [...TIME_ZONES].sort();
}

export async function getOrganizationSettings(
  organizationId: string,
): Promise<OrganizationSettings> {
  const row = await db
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
  return {
    name: row.name,
    timeZone: row.time_zone,
    privacyFloor: row.privacy_floor,
    staleAfterDays: row.stale_after_days,
    mentorCapacity: row.mentor_capacity,
    dueReminderDays: row.due_reminder_days,
  };
}

/** Saves the settings admins control; the change and its old values go to the audit log. */
export async function updateOrganizationSettings(
  ctx: MemberContext,
  settings: OrganizationSettings,
  ip: string | null = null,
) {
  await db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom("organizations")
      .select([
        "name",
        "time_zone",
        "privacy_floor",
        "stale_after_days",
        "mentor_capacity",
        "due_reminder_days",
      ])
      .where("id", "=", ctx.organization.id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    await trx
      .updateTable("organizations")
      .set({
        name: settings.name,
        time_zone: settings.timeZone,
        privacy_floor: settings.privacyFloor,
        stale_after_days: settings.staleAfterDays,
        mentor_capacity: settings.mentorCapacity,
        due_reminder_days: settings.dueReminderDays,
      })
      .where("id", "=", ctx.organization.id)
      .execute();
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        action: "organization.settings_changed",
        objectType: "organization",
        objectId: ctx.organization.id,
        details: { before, after: settings },
        ip,
      },
      trx,
    );
  });
}
