import { sql, type Transaction } from "kysely";
import { z } from "zod";
import { db } from "#db/database";
import type { AssessmentStatus, Database, RatingSource } from "#db/schema";
import { conflict, forbidden, invalid, notFound } from "~/lib/errors.server";
import { MAX_TOPICS_PER_POST } from "~/lib/forms.server";
import type { MemberContext } from "~/modules/accounts/auth.server";
import { recordAudit } from "~/modules/audit/audit.server";
import { CALIBRATION_DIFFERENCE } from "./gap-formula";
import { cachedGapFigures } from "./gap-cache.server";
import { viewableMember, type GapScope } from "./gap-scope.server";
import { scopeCtes } from "./team-gaps.server";

// A lead validates a submitted self-assessment by giving their own level (and a comment) per
// topic. Lead ratings are ratings with source "lead": append-only like the member's own.

const MAX_COMMENT = 2000;

export interface CalibrationItem {
  memberId: string;
  displayName: string;
  topicId: string;
  topicName: string;
  self: number;
  lead: number;
}

export const CALIBRATION_PAGE = 200;

/**
 * Topics where the member's own level and the lead's differ by two or more, biggest first:
 * the first `limit` items and how many there are in all.
 */
export function calibrationQueue(
  scope: GapScope,
  limit = CALIBRATION_PAGE,
): Promise<{ items: CalibrationItem[]; total: number }> {
  return cachedGapFigures("calibrationQueue", scope, [limit], () =>
    computeCalibrationQueue(scope, limit),
  );
}

async function computeCalibrationQueue(
  scope: GapScope,
  limit: number,
): Promise<{ items: CalibrationItem[]; total: number }> {
  const { rows } = await sql<{ items: CalibrationItem[]; total: number }>`
    WITH ${scopeCtes(scope)},
    queue AS (
      SELECT cl.member_id, cl.topic_id, cl.self_level, cl.lead_level, t.category_position,
        t.position
      FROM scope_members m
      JOIN current_levels cl ON cl.member_id = m.id AND cl.organization_id = ${scope.organizationId}
      JOIN scope_topics t ON t.topic_id = cl.topic_id
      WHERE abs(cl.self_level - cl.lead_level) >= ${CALIBRATION_DIFFERENCE}
    )
    SELECT (SELECT count(*)::int FROM queue) AS total,
      coalesce((SELECT json_agg(item) FROM (
        SELECT q.member_id AS "memberId", u.display_name AS "displayName",
          q.topic_id AS "topicId", tr.name AS "topicName", q.self_level AS self,
          q.lead_level AS lead
        FROM queue q
        JOIN memberships mm ON mm.id = q.member_id
        JOIN users u ON u.id = mm.user_id
        JOIN topic_revisions tr
          ON tr.framework_version_id = ${scope.versionId} AND tr.topic_id = q.topic_id
        ORDER BY abs(q.self_level - q.lead_level) DESC, u.display_name, q.category_position,
          q.position
        LIMIT ${limit}) item), '[]') AS items`.execute(db);
  return rows[0]!;
}

export interface PendingValidation {
  memberId: string;
  displayName: string;
  status: AssessmentStatus;
  submittedAt: string | null;
}

/** Assessments of the open cycle in scope that are submitted and wait for their lead. */
export function pendingValidations(scope: GapScope): Promise<PendingValidation[]> {
  return cachedGapFigures("pendingValidations", scope, [], () => computePendingValidations(scope));
}

async function computePendingValidations(scope: GapScope): Promise<PendingValidation[]> {
  const { rows } = await sql<PendingValidation>`
    WITH ${scopeCtes(scope)}
    SELECT m.id AS "memberId", u.display_name AS "displayName", a.status,
      a.submitted_at AS "submittedAt"
    FROM scope_members m
    JOIN memberships mm ON mm.id = m.id
    JOIN users u ON u.id = mm.user_id
    JOIN assessments a ON a.member_id = m.id
    JOIN cycles c ON c.id = a.cycle_id AND c.status = 'open'
    WHERE a.status = 'submitted'
    ORDER BY a.submitted_at, u.display_name`.execute(db);
  return rows;
}

async function openCycleOf(organizationId: string) {
  return db
    .selectFrom("cycles")
    .select(["id", "name", "framework_version_id"])
    .where("organization_id", "=", organizationId)
    .where("status", "=", "open")
    .executeTakeFirst();
}

export interface ValidationTopic {
  id: string;
  name: string;
  categoryId: string;
  categoryName: string;
  target: number | null;
  self: { level: number | null; note: string | null; evidence: string[] } | null;
  /** The lead's current rating; `thisCycle` when it was given in this cycle. */
  lead: { level: number | null; note: string | null; thisCycle: boolean } | null;
}

/**
 * The member's assessment in the open cycle as the validating lead sees it: per topic the
 * member's level, note and evidence, the lead's current level and comment, and the target.
 */
export async function loadValidation(ctx: MemberContext, memberId: string) {
  const member = await viewableMember(ctx, memberId);
  const cycle = await openCycleOf(ctx.organization.id);
  if (!cycle) return { member, cycle: null, assessment: null, topics: [] };
  const assessment = await db
    .selectFrom("assessments as a")
    .leftJoin("users as v", "v.id", "a.validated_by_user_id")
    .select(["a.id", "a.status", "a.submitted_at", "a.validated_at", "v.display_name as validator"])
    .where("a.cycle_id", "=", cycle.id)
    .where("a.member_id", "=", member.id)
    .executeTakeFirst();
  const rows = await db
    .selectFrom("topic_revisions as t")
    .innerJoin("category_revisions as c", (join) =>
      join
        .onRef("c.framework_version_id", "=", "t.framework_version_id")
        .onRef("c.category_id", "=", "t.category_id"),
    )
    .innerJoin("memberships as m", (join) => join.on("m.id", "=", member.id))
    .leftJoin("topic_targets as tt", (join) =>
      join
        .onRef("tt.framework_version_id", "=", "t.framework_version_id")
        .onRef("tt.topic_id", "=", "t.topic_id")
        .onRef("tt.target_profile_id", "=", "m.target_profile_id"),
    )
    .leftJoin("current_ratings as cs", (join) =>
      join
        .onRef("cs.topic_id", "=", "t.topic_id")
        .on("cs.member_id", "=", member.id)
        .on("cs.source", "=", "self"),
    )
    .leftJoin("ratings as rs", "rs.id", "cs.rating_id")
    .leftJoin("current_ratings as cl", (join) =>
      join
        .onRef("cl.topic_id", "=", "t.topic_id")
        .on("cl.member_id", "=", member.id)
        .on("cl.source", "=", "lead"),
    )
    .leftJoin("ratings as rl", "rl.id", "cl.rating_id")
    .select([
      "t.topic_id",
      "t.name",
      "c.category_id",
      "c.name as category_name",
      "tt.target_level",
      "cs.rating_id as self_id",
      "cs.level as self_level",
      "rs.note as self_note",
      "rs.evidence_urls",
      "cl.rating_id as lead_id",
      "cl.level as lead_level",
      "cl.cycle_id as lead_cycle_id",
      "rl.note as lead_note",
    ])
    .where("t.organization_id", "=", ctx.organization.id)
    .where("t.framework_version_id", "=", cycle.framework_version_id)
    .where("t.retired", "=", false)
    .orderBy("c.position")
    .orderBy("t.position")
    .execute();
  const topics: ValidationTopic[] = rows.map((r) => ({
    id: r.topic_id,
    name: r.name,
    categoryId: r.category_id,
    categoryName: r.category_name,
    target: r.target_level,
    self:
      r.self_id === null
        ? null
        : { level: r.self_level, note: r.self_note, evidence: r.evidence_urls ?? [] },
    lead:
      r.lead_id === null
        ? null
        : { level: r.lead_level, note: r.lead_note, thisCycle: r.lead_cycle_id === cycle.id },
  }));
  return {
    member,
    cycle: { id: cycle.id, name: cycle.name },
    assessment: assessment
      ? {
          status: assessment.status,
          submittedAt: assessment.submitted_at?.toISOString() ?? null,
          validatedAt: assessment.validated_at?.toISOString() ?? null,
          validator: assessment.validator,
        }
      : null,
    topics,
  };
}

export const ValidationEntrySchema = z.object({
  topicId: z.uuid(),
  /** "" = no lead level for this topic. */
  level: z.enum(["", "0", "1", "2", "3", "4", "na"], {
    error: "Choose a level from 0 to 4, or N/A.",
  }),
  comment: z.string().trim().max(MAX_COMMENT, `Keep the comment under ${MAX_COMMENT} characters.`),
});

export type ValidationEntry = z.infer<typeof ValidationEntrySchema>;

/** Reads `lead.<topicId>` and `comment.<topicId>` fields; errors are keyed the same way. */
export function parseValidationEntries(form: FormData): ValidationEntry[] {
  const topicIds = [...new Set(form.keys())].flatMap((key) => /^lead\.(.+)$/.exec(key)?.[1] ?? []);
  if (topicIds.length > MAX_TOPICS_PER_POST) throw invalid("Too many topics in one save.");
  const entries: ValidationEntry[] = [];
  const fieldErrors: Record<string, string> = {};
  for (const topicId of topicIds) {
    const text = (name: string) => {
      const value = form.get(`${name}.${topicId}`);
      return typeof value === "string" ? value : "";
    };
    const result = ValidationEntrySchema.safeParse({
      topicId,
      level: text("lead"),
      comment: text("comment"),
    });
    if (result.success) entries.push(result.data);
    else
      for (const issue of result.error.issues) {
        const field = issue.path[0] === "comment" ? "comment" : "lead";
        fieldErrors[`${field}.${topicId}`] ??= issue.message;
      }
  }
  if (Object.keys(fieldErrors).length)
    throw invalid("Please correct the highlighted topics.", fieldErrors);
  return entries;
}

type Trx = Transaction<Database>;

/** Locks the member's assessment in the open cycle (and share-locks the cycle) for a lead. */
async function lockForLead(trx: Trx, ctx: MemberContext, memberId: string) {
  const member = await viewableMember(ctx, memberId);
  if (member.id === ctx.membership.id)
    throw forbidden("You cannot validate your own assessment; another lead or an admin can.");
  const cycle = await trx
    .selectFrom("cycles")
    .select(["id", "framework_version_id"])
    .where("organization_id", "=", ctx.organization.id)
    .where("status", "=", "open")
    .forShare()
    .executeTakeFirst();
  if (!cycle) throw conflict("There is no open cycle: ratings are locked.");
  const assessment = await trx
    .selectFrom("assessments")
    .select(["id", "status"])
    .where("cycle_id", "=", cycle.id)
    .where("member_id", "=", member.id)
    .forUpdate()
    .executeTakeFirst();
  if (!assessment) throw notFound("Assessment");
  return { member, cycle, assessment };
}

const STATUS_BLOCKS: Record<AssessmentStatus, string> = {
  draft: "This assessment has not been submitted yet; it can be validated once it is.",
  submitted: "",
  validated: "This assessment is already validated. Undo the validation to change it.",
};

/**
 * Saves the lead's levels and comments on a submitted assessment, appending a lead rating for
 * each topic whose level or comment differs from the lead's rating in this cycle. With
 * `markValidated`, every topic must then have a lead level from this cycle, and the
 * assessment becomes validated.
 */
export async function saveValidation(
  ctx: MemberContext,
  memberId: string,
  entries: ValidationEntry[],
  options: { markValidated: boolean; ip?: string | null },
) {
  return db.transaction().execute(async (trx) => {
    const { member, cycle, assessment } = await lockForLead(trx, ctx, memberId);
    if (assessment.status !== "submitted") throw conflict(STATUS_BLOCKS[assessment.status]);
    const answered = entries.filter((e) => e.level !== "");
    const topicIds = answered.map((e) => e.topicId);
    const current = topicIds.length
      ? await trx
          .selectFrom("topic_revisions as t")
          .leftJoin("current_ratings as cl", (join) =>
            join
              .onRef("cl.topic_id", "=", "t.topic_id")
              .on("cl.member_id", "=", member.id)
              .on("cl.source", "=", "lead"),
          )
          .leftJoin("ratings as r", "r.id", "cl.rating_id")
          .select(["t.topic_id", "cl.rating_id", "cl.level", "cl.cycle_id", "r.note"])
          .where("t.organization_id", "=", ctx.organization.id)
          .where("t.framework_version_id", "=", cycle.framework_version_id)
          .where("t.retired", "=", false)
          .where("t.topic_id", "in", topicIds)
          .execute()
      : [];
    if (current.length !== new Set(topicIds).size) throw notFound("Topic");
    const byTopic = new Map(current.map((c) => [c.topic_id, c]));
    const source: RatingSource = "lead";
    const changed = answered.flatMap((entry) => {
      const level = entry.level === "na" ? null : Number(entry.level);
      const note = entry.comment || null;
      const was = byTopic.get(entry.topicId);
      const unchanged =
        was?.rating_id != null &&
        was.cycle_id === cycle.id &&
        was.level === level &&
        (was.note ?? null) === note;
      if (unchanged) return [];
      return [
        {
          organization_id: ctx.organization.id,
          cycle_id: cycle.id,
          member_id: member.id,
          topic_id: entry.topicId,
          source,
          level,
          note,
          rated_by_user_id: ctx.user.id,
        },
      ];
    });
    if (changed.length) await trx.insertInto("ratings").values(changed).execute();

    if (options.markValidated) {
      const missing = await trx
        .selectFrom("topic_revisions as t")
        .leftJoin("current_ratings as cl", (join) =>
          join
            .onRef("cl.topic_id", "=", "t.topic_id")
            .on("cl.member_id", "=", member.id)
            .on("cl.source", "=", "lead")
            .on("cl.cycle_id", "=", cycle.id),
        )
        .select(["t.topic_id", "t.name"])
        .where("t.organization_id", "=", ctx.organization.id)
        .where("t.framework_version_id", "=", cycle.framework_version_id)
        .where("t.retired", "=", false)
        .where("cl.rating_id", "is", null)
        .execute();
      if (missing.length) {
        const fieldErrors = Object.fromEntries(
          missing.map((t) => [`lead.${t.topic_id}`, "Give your level (or N/A) before validating."]),
        );
        throw invalid(
          `${missing.length} topic${missing.length === 1 ? " has" : "s have"} no level from you yet.`,
          fieldErrors,
        );
      }
    }
    await trx
      .updateTable("assessments")
      .set((eb) => ({
        ...(options.markValidated
          ? {
              status: "validated" as const,
              validated_at: new Date(),
              validated_by_user_id: ctx.user.id,
            }
          : {}),
        revision: eb("revision", "+", 1),
        updated_at: new Date(),
      }))
      .where("id", "=", assessment.id)
      .execute();
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        action: options.markValidated ? "assessment.validated" : "assessment.lead_ratings_saved",
        objectType: "assessment",
        objectId: assessment.id,
        details: { memberId: member.id, ratingsAdded: changed.length },
        ip: options.ip ?? null,
      },
      trx,
    );
    return { ratingsAdded: changed.length, validated: options.markValidated };
  });
}

/** Takes a validated assessment back to submitted, so the lead can change their levels. */
export async function undoValidation(
  ctx: MemberContext,
  memberId: string,
  ip: string | null = null,
) {
  await db.transaction().execute(async (trx) => {
    const { assessment } = await lockForLead(trx, ctx, memberId);
    if (assessment.status !== "validated") throw conflict("This assessment is not validated.");
    await trx
      .updateTable("assessments")
      .set((eb) => ({
        status: "submitted",
        validated_at: null,
        validated_by_user_id: null,
        revision: eb("revision", "+", 1),
        updated_at: new Date(),
      }))
      .where("id", "=", assessment.id)
      .execute();
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        action: "assessment.validation_undone",
        objectType: "assessment",
        objectId: assessment.id,
        ip,
      },
      trx,
    );
  });
}
