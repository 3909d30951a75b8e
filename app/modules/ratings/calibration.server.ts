import { z } from "zod";
import { db } from "#db/database";
import type { CalibrationResolution } from "#db/schema";
import { conflict, forbidden, invalid, notFound } from "~/lib/errors.server";
import type { MemberContext } from "~/modules/accounts/auth.server";
import { viewableMember } from "~/modules/accounts/visibility.server";
import { findOpenCycle } from "~/modules/assessments/open-cycle.server";
import { recordAudit } from "~/modules/audit/audit.server";
import { CALIBRATION_DIFFERENCE } from "~/modules/gaps/gap-formula";
import { calibrationItemKey } from "./calibration";
import { levelFromField, storedLevel } from "./rating-input";

// A calibration item (a member's own level and their lead's two or more apart) leaves the
// queue only by a lead's explicit action: set the lead level, accept the member's level
// (both append a lead rating), or "discussed, keep both" with a note. Each resolution is
// recorded against the exact pair of ratings it settled (migration 0010) and audited.

export interface CalibrationAction {
  memberId: string;
  topicId: string;
  /** The pair of ratings the lead saw: a newer rating on either side refuses the action. */
  selfRatingId: number;
  leadRatingId: number;
  resolution: CalibrationResolution;
  /** The new lead level, for "lead_level". */
  level: number | null;
  note: string | null;
}

const MAX_NOTE = 2000;

const CalibrationFormSchema = z
  .object({
    memberId: z.string().min(1).max(100),
    topicId: z.string().min(1).max(100),
    selfRatingId: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    leadRatingId: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    resolution: z.enum(["lead_level", "self_level", "keep_both"], {
      error: "Choose how this item is resolved.",
    }),
    level: z.unknown(),
    note: z
      .string()
      .trim()
      .max(MAX_NOTE, `Keep the note under ${MAX_NOTE} characters.`)
      .transform((value) => value || null),
  })
  .superRefine((value, ctx) => {
    if (value.resolution === "keep_both" && !value.note)
      ctx.addIssue({
        code: "custom",
        path: ["note"],
        message: "Say what was discussed: the note is what the history keeps.",
      });
    if (
      value.resolution === "lead_level" &&
      !z.literal([0, 1, 2, 3, 4, "na"]).safeParse(value.level).success
    )
      ctx.addIssue({
        code: "custom",
        path: ["level"],
        message: "Choose a level from 0 to 4, or N/A.",
      });
  });

/**
 * Reads one item's resolve form; errors are keyed `<memberId>.<topicId>.<field>`, so the
 * page shows them in that item.
 */
export function parseCalibrationForm(form: FormData): CalibrationAction {
  const field = (name: string) => {
    const value = form.get(name);
    return typeof value === "string" ? value : "";
  };
  const parsed = CalibrationFormSchema.safeParse({
    memberId: field("memberId"),
    topicId: field("topicId"),
    selfRatingId: field("selfRatingId"),
    leadRatingId: field("leadRatingId"),
    resolution: field("resolution") || undefined,
    level: levelFromField(field("level")),
    note: field("note"),
  });
  if (!parsed.success) {
    const item = calibrationItemKey(field("memberId"), field("topicId"));
    const fieldErrors: Record<string, string> = {};
    for (const issue of parsed.error.issues)
      fieldErrors[`${item}.${String(issue.path[0])}`] ??= issue.message;
    throw invalid("Please correct the highlighted fields.", fieldErrors);
  }
  const { level, ...rest } = parsed.data;
  return {
    ...rest,
    level: rest.resolution === "lead_level" ? storedLevel(level as 0 | 1 | 2 | 3 | 4 | "na") : null,
  };
}

/** Resolves one calibration item; returns the resolution's id. */
export async function resolveCalibration(
  ctx: MemberContext,
  action: CalibrationAction,
  ip: string | null = null,
) {
  const member = await viewableMember(ctx, action.memberId);
  if (member.id === ctx.membership.id)
    throw forbidden("You cannot calibrate your own levels; another lead or an admin can.");
  return db.transaction().execute(async (trx) => {
    const pair = await trx
      .selectFrom("current_levels")
      .select(["self_rating_id", "self_level", "lead_rating_id", "lead_level"])
      .where("organization_id", "=", ctx.organization.id)
      .where("member_id", "=", member.id)
      .where("topic_id", "=", action.topicId)
      .forUpdate()
      .executeTakeFirst();
    if (!pair) throw notFound("Calibration item");
    if (pair.self_rating_id !== action.selfRatingId || pair.lead_rating_id !== action.leadRatingId)
      throw conflict(
        "This item changed since you opened the page (a newer rating was saved). Reload to see it.",
      );
    if (
      pair.self_level === null ||
      pair.lead_level === null ||
      Math.abs(pair.self_level - pair.lead_level) < CALIBRATION_DIFFERENCE
    )
      throw conflict("These levels are no longer two or more apart: nothing to calibrate.");
    const settled = await trx
      .selectFrom("calibration_resolutions")
      .select("id")
      .where("member_id", "=", member.id)
      .where("topic_id", "=", action.topicId)
      .where("self_rating_id", "=", pair.self_rating_id)
      .where("lead_rating_id", "=", pair.lead_rating_id)
      .executeTakeFirst();
    if (settled) throw conflict("This item is already resolved.");

    let leadRatingId = pair.lead_rating_id;
    let level: number | null = pair.lead_level;
    if (action.resolution !== "keep_both") {
      const cycle = await findOpenCycle(ctx.organization.id, { executor: trx, forShare: true });
      if (!cycle)
        throw conflict(
          "There is no open cycle, so no lead level can be written: choose “discussed, keep both”.",
        );
      const inVersion = await trx
        .selectFrom("topic_revisions")
        .select("topic_id")
        .where("framework_version_id", "=", cycle.framework_version_id)
        .where("topic_id", "=", action.topicId)
        .where("retired", "=", false)
        .executeTakeFirst();
      if (!inVersion) throw conflict("This topic is not in the open cycle's framework.");
      level = action.resolution === "self_level" ? pair.self_level : action.level;
      const written = await trx
        .insertInto("ratings")
        .values({
          organization_id: ctx.organization.id,
          cycle_id: cycle.id,
          member_id: member.id,
          topic_id: action.topicId,
          source: "lead",
          level,
          note: action.note,
          rated_by_user_id: ctx.user.id,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      leadRatingId = written.id;
    }
    const resolution = await trx
      .insertInto("calibration_resolutions")
      .values({
        organization_id: ctx.organization.id,
        member_id: member.id,
        topic_id: action.topicId,
        self_rating_id: pair.self_rating_id,
        lead_rating_id: leadRatingId,
        resolution: action.resolution,
        note: action.note,
        resolved_by_user_id: ctx.user.id,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        action: "calibration.resolved",
        objectType: "member",
        objectId: member.id,
        details: {
          topicId: action.topicId,
          resolution: action.resolution,
          selfLevel: pair.self_level,
          leadLevel: level,
          note: action.note,
        },
        ip,
      },
      trx,
    );
    return resolution.id;
  });
}
