import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { db } from "#db/database";
import { env } from "~/lib/env.server";
import type { NotificationKind } from "./outbox.server";

// People mute reminder kinds, from the settings page or a signed one-click link in each
// reminder. Transactional messages (invitations, resets, mentorship proposals) cannot be muted.

export const MUTABLE_KINDS = [
  "cycle_opened",
  "assessment_due",
  "assessment_overdue",
  "lead_digest",
  "check_in_due",
  "report_ready",
  "plan_goal_due",
] as const satisfies readonly NotificationKind[];

export type MutableKind = (typeof MUTABLE_KINDS)[number];

export const KIND_LABEL: Record<MutableKind, string> = {
  cycle_opened: "A review cycle opened",
  assessment_due: "Self-assessment due soon",
  assessment_overdue: "Self-assessment overdue",
  lead_digest: "Weekly lead digest",
  check_in_due: "Mentoring check-in due",
  report_ready: "Quarterly report ready",
  plan_goal_due: "Development-plan goal due",
};

interface MuteSubject {
  organizationId: string;
  userId: string;
  kind: MutableKind;
}

function sign(payload: string) {
  return createHmac("sha256", env().SESSION_SECRET).update(`mute:${payload}`).digest("base64url");
}

/** A token naming who mutes which kind, signed so it cannot be forged or altered. */
export function muteToken(subject: MuteSubject) {
  const payload = Buffer.from(
    JSON.stringify([subject.organizationId, subject.userId, subject.kind]),
  ).toString("base64url");
  return `${payload}.${sign(payload)}`;
}

const PayloadSchema = z.tuple([z.uuid(), z.uuid(), z.enum(MUTABLE_KINDS)]);

/** The subject of a valid token, or null for anything forged, altered or malformed. */
export function readMuteToken(token: string): MuteSubject | null {
  const [payload, signature, extra] = token.split(".");
  if (!payload || !signature || extra !== undefined) return null;
  const expected = Buffer.from(sign(payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  try {
    const parsed = PayloadSchema.safeParse(
      JSON.parse(Buffer.from(payload, "base64url").toString()),
    );
    if (!parsed.success) return null;
    const [organizationId, userId, kind] = parsed.data;
    return { organizationId, userId, kind };
  } catch {
    return null;
  }
}

export function muteUrl(subject: MuteSubject) {
  return `${env().APP_URL}/mute/${muteToken(subject)}`;
}

export async function setMuted(subject: MuteSubject, muted: boolean) {
  if (muted) {
    await db
      .insertInto("notification_mutes")
      .values({
        organization_id: subject.organizationId,
        user_id: subject.userId,
        kind: subject.kind,
      })
      .onConflict((oc) => oc.doNothing())
      .execute();
  } else {
    await db
      .deleteFrom("notification_mutes")
      .where("organization_id", "=", subject.organizationId)
      .where("user_id", "=", subject.userId)
      .where("kind", "=", subject.kind)
      .execute();
  }
}

export async function mutedKinds(organizationId: string, userId: string) {
  const rows = await db
    .selectFrom("notification_mutes")
    .select("kind")
    .where("organization_id", "=", organizationId)
    .where("user_id", "=", userId)
    .execute();
  return new Set(rows.map((r) => r.kind));
}
