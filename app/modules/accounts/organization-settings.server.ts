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
});

export type OrganizationSettings = z.infer<typeof OrganizationSettingsSchema>;

export function timeZoneChoices() {
  return [...TIME_ZONES].sort();
}

export async function getOrganizationSettings(
  organizationId: string,
): Promise<OrganizationSettings> {
  const row = await db
    .selectFrom("organizations")
    .select(["name", "time_zone", "privacy_floor", "stale_after_days", "mentor_capacity"])
    .where("id", "=", organizationId)
    .executeTakeFirstOrThrow();
  return {
    name: row.name,
    timeZone: row.time_zone,
    privacyFloor: row.privacy_floor,
    staleAfterDays: row.stale_after_days,
    mentorCapacity: row.mentor_capacity,
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
      .select(["name", "time_zone", "privacy_floor", "stale_after_days", "mentor_capacity"])
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
