import { sql, type Kysely, type Transaction } from "kysely";
import { db } from "#db/database";
import type { AssessmentStatus, Database } from "#db/schema";
import { conflict, forbidden, invalid, notFound } from "~/lib/errors.server";
import type { MemberContext } from "~/modules/accounts/auth.server";
import { viewableMember } from "~/modules/accounts/visibility.server";
import { findOpenCycle } from "~/modules/assessments/open-cycle.server";
import { recordAudit } from "~/modules/audit/audit.server";
import { env } from "~/lib/env.server";
import { enqueueNotification } from "~/modules/notifications/outbox.server";
import {
  assessmentValidatedEmail,
  type DifferingTopic,
} from "~/modules/notifications/templates.server";
import {
  LeadRatingInputSchema,
  levelFromField,
  parseRatingInputs,
  storedLevel,
  type RatingInput,
} from "./rating-input";

// A lead validates a submitted self-assessment by giving their own level (and a comment) per
// topic. Lead ratings are ratings with source "lead": append-only like the member's own. They
// count in a person's level once the assessment is validated (migration 0006).

type Trx = Transaction<Database>;

/**
 * Reads `lead.<topicId>`, `comment.<topicId>` and `base.<topicId>` (the lead rating the page
 * started from, empty for none) of the validation form; errors are keyed the same way. An
 * empty level means "no lead level for this topic".
 */
export function parseLeadRatingForm(form: FormData): RatingInput[] {
  const topicIds = [...new Set(form.keys())].flatMap((key) => /^lead\.(.+)$/.exec(key)?.[1] ?? []);
  const field = (name: string, topicId: string) => {
    const value = form.get(`${name}.${topicId}`);
    return typeof value === "string" ? value : "";
  };
  const baseOf = (topicId: string) => {
    if (!form.has(`base.${topicId}`)) return undefined;
    const base = field("base", topicId);
    return base === "" ? null : /^\d{1,15}$/.test(base) ? Number(base) : base;
  };
  return parseRatingInputs(
    topicIds.map((topicId) => ({
      topicId,
      level: levelFromField(field("lead", topicId)),
      note: field("comment", topicId),
      evidence: [],
      baseRatingId: baseOf(topicId),
    })),
    LeadRatingInputSchema,
    (index, name) => `${name === "note" ? "comment" : "lead"}.${topicIds[index]}`,
  );
}

/** What the lead agrees with by a deliberate act: the member's own level becomes theirs. */
export type Agreement = { topicIds: string[] } | { categoryId: string };

/** Locks the member's assessment in the open cycle (and share-locks the cycle) for a lead. */
async function lockForLead(trx: Trx, ctx: MemberContext, memberId: string) {
  const member = await viewableMember(ctx, memberId);
  if (member.id === ctx.membership.id)
    throw forbidden("You cannot validate your own assessment; another lead or an admin can.");
  const cycle = await findOpenCycle(ctx.organization.id, { executor: trx, forShare: true });
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
 * Saves the lead's judgements on a submitted assessment: a lead rating is appended for each
 * topic whose level or comment differs from the lead's rating in this cycle. Nothing is
 * written for a topic the lead did not judge: a form field still at the lead's level from an
 * earlier cycle, with no comment, is not a judgement (only changing it, commenting or
 * "Agree" is). A topic whose lead rating changed since the form's base is refused.
 * `agree` records the member's own level as the lead's, for those topics or for the topics
 * of a category still without a lead level this cycle. With `markValidated` the assessment
 * becomes validated; topics still without a lead level this cycle keep the member's own
 * level, and their number comes back as `withoutLeadLevel`.
 */
export async function saveLeadRatings(
  ctx: MemberContext,
  memberId: string,
  ratings: RatingInput[],
  options: { markValidated: boolean; agree?: Agreement; ip?: string | null },
) {
  return db.transaction().execute(async (trx) => {
    const { member, cycle, assessment } = await lockForLead(trx, ctx, memberId);
    if (assessment.status !== "submitted") throw conflict(STATUS_BLOCKS[assessment.status]);
    const topics = await trx
      .selectFrom("topic_revisions as t")
      .leftJoin("current_levels as cl", (join) =>
        join.onRef("cl.topic_id", "=", "t.topic_id").on("cl.member_id", "=", member.id),
      )
      .leftJoin("ratings as r", "r.id", "cl.lead_rating_id")
      .select([
        "t.topic_id",
        "t.category_id",
        "cl.lead_rating_id as rating_id",
        "cl.lead_level as level",
        "cl.lead_cycle_id as cycle_id",
        "r.note",
        "cl.self_rating_id",
        "cl.self_level",
      ])
      .where("t.organization_id", "=", ctx.organization.id)
      .where("t.framework_version_id", "=", cycle.framework_version_id)
      .where("t.retired", "=", false)
      .execute();
    const byTopic = new Map(topics.map((t) => [t.topic_id, t]));
    if (ratings.some((r) => !byTopic.has(r.topicId))) throw notFound("Topic");
    if (options.agree && "categoryId" in options.agree) {
      const { categoryId } = options.agree;
      if (!topics.some((t) => t.category_id === categoryId)) throw notFound("Category");
    }

    // The ratings stale forms started from: a topic posted back as it was shown is untouched.
    const staleBases = ratings.flatMap((r) =>
      typeof r.baseRatingId === "number" && r.baseRatingId !== byTopic.get(r.topicId)!.rating_id
        ? [r.baseRatingId]
        : [],
    );
    const bases = new Map(
      (staleBases.length
        ? await trx
            .selectFrom("ratings")
            .select(["id", "topic_id", "level", "note", "cycle_id"])
            .where("organization_id", "=", ctx.organization.id)
            .where("member_id", "=", member.id)
            .where("source", "=", "lead")
            .where("id", "in", staleBases)
            .execute()
        : []
      ).map((r) => [r.id, r]),
    );
    const shownAs = (
      shown: { level: number | null; note: string | null; cycle_id: string } | undefined,
      level: number | null,
      note: string | null,
    ) =>
      shown !== undefined &&
      shown.level === level &&
      (shown.cycle_id === cycle.id ? (shown.note ?? null) === note : note === null);

    const agreed = new Set(
      options.agree && "topicIds" in options.agree ? options.agree.topicIds : [],
    );
    const fieldErrors: Record<string, string> = {};
    const judged = new Map<string, { level: number | null; note: string | null }>();
    for (const input of ratings) {
      const was = byTopic.get(input.topicId)!;
      const field = `lead.${input.topicId}`;
      const current =
        was.rating_id === null
          ? undefined
          : { level: was.level, note: was.note, cycle_id: was.cycle_id! };
      // "Agree" takes the member's level, keeping the comment typed beside it.
      const level = agreed.has(input.topicId)
        ? was.self_level
        : input.level === null
          ? undefined
          : storedLevel(input.level);
      if (level === undefined) {
        if (input.note !== null) fieldErrors[field] = "Choose your level to go with the comment.";
        continue;
      }
      if (input.baseRatingId !== undefined && input.baseRatingId !== was.rating_id) {
        const base = input.baseRatingId === null ? undefined : bases.get(input.baseRatingId);
        const untouched =
          !agreed.has(input.topicId) &&
          base !== undefined &&
          base.topic_id === input.topicId &&
          shownAs(base, level, input.note);
        if (!untouched && !shownAs(current, level, input.note))
          fieldErrors[field] = `Changed since you opened this page: the lead level is now ${
            current === undefined ? "unset" : current.level === null ? "N/A" : current.level
          }. Reload the page to see it; nothing was saved.`;
        continue;
      }
      // Posting back an earlier cycle's level untouched, with no comment, judges nothing.
      if (
        !agreed.has(input.topicId) &&
        input.baseRatingId !== undefined &&
        current !== undefined &&
        current.cycle_id !== cycle.id &&
        shownAs(current, level, input.note)
      )
        continue;
      judged.set(input.topicId, { level, note: input.note });
    }
    const agreeWith = (topicId: string) => {
      const topic = byTopic.get(topicId);
      if (!topic) throw notFound("Topic");
      if (topic.self_rating_id === null)
        fieldErrors[`lead.${topicId}`] =
          "They have not rated this topic: there is no level to agree with.";
      // A posted topic was agreed to in the loop above (with its comment).
      else if (!judged.has(topicId)) judged.set(topicId, { level: topic.self_level, note: null });
    };
    if (options.agree && "topicIds" in options.agree) options.agree.topicIds.forEach(agreeWith);
    else if (options.agree) {
      const { categoryId } = options.agree;
      for (const t of topics)
        if (
          t.category_id === categoryId &&
          t.self_rating_id !== null &&
          !judged.has(t.topic_id) &&
          !(t.rating_id !== null && t.cycle_id === cycle.id)
        )
          agreeWith(t.topic_id);
    }
    if (Object.keys(fieldErrors).length)
      throw invalid("Please correct the highlighted topics.", fieldErrors);

    const changed = [...judged].flatMap(([topicId, value]) => {
      const was = byTopic.get(topicId)!;
      const unchanged =
        was.rating_id !== null &&
        was.cycle_id === cycle.id &&
        was.level === value.level &&
        (was.note ?? null) === value.note;
      if (unchanged) return [];
      return [
        {
          organization_id: ctx.organization.id,
          cycle_id: cycle.id,
          member_id: member.id,
          topic_id: topicId,
          source: "lead" as const,
          level: value.level,
          note: value.note,
          rated_by_user_id: ctx.user.id,
        },
      ];
    });
    if (changed.length) await trx.insertInto("ratings").values(changed).execute();
    const withoutLeadLevel = topics.filter(
      (t) => !judged.has(t.topic_id) && !(t.rating_id !== null && t.cycle_id === cycle.id),
    ).length;

    const now = new Date();
    await trx
      .updateTable("assessments")
      .set((eb) => ({
        ...(options.markValidated
          ? {
              status: "validated" as const,
              validated_at: now,
              validated_by_user_id: ctx.user.id,
              acknowledged_at: null,
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
        details: { memberId: member.id, ratingsAdded: changed.length, withoutLeadLevel },
        ip: options.ip ?? null,
      },
      trx,
    );
    if (options.markValidated)
      await notifyValidated(trx, ctx, {
        memberId: member.id,
        assessmentId: assessment.id,
        cycle,
        at: now,
      });
    return { ratingsAdded: changed.length, validated: options.markValidated, withoutLeadLevel };
  });
}

/**
 * Tells the member their assessment was validated, listing the topics where the lead's level
 * of this cycle differs from theirs, with the lead's comments (outbox: email and /messages).
 * Keyed by the validation's time: validated again after an undo, they hear again.
 */
async function notifyValidated(
  trx: Trx,
  ctx: MemberContext,
  input: { memberId: string; assessmentId: string; cycle: { id: string; name: string }; at: Date },
) {
  const member = await trx
    .selectFrom("memberships as m")
    .innerJoin("users as u", "u.id", "m.user_id")
    .select(["u.id", "u.email", "u.display_name"])
    .where("m.id", "=", input.memberId)
    .executeTakeFirstOrThrow();
  const differing = await differingTopics(trx, ctx.organization.id, input.memberId, input.cycle.id);
  const link = `${env().APP_URL}/assessment`;
  const message = assessmentValidatedEmail({
    memberName: member.display_name,
    leadName: ctx.user.displayName,
    cycleName: input.cycle.name,
    differing,
    link,
  });
  await enqueueNotification(
    {
      organizationId: ctx.organization.id,
      kind: "assessment_validated",
      recipientUserId: member.id,
      recipientEmail: member.email,
      idempotencyKey: `assessment_validated:${input.assessmentId}:${input.at.getTime()}`,
      subject: message.subject,
      text: message.text,
      html: message.html,
      actionUrl: link,
    },
    trx,
  );
}

/** Topics whose lead rating of this cycle differs from the member's own level, in framework order. */
export async function differingTopics(
  executor: Kysely<Database>,
  organizationId: string,
  memberId: string,
  cycleId: string,
): Promise<DifferingTopic[]> {
  return executor
    .selectFrom("current_levels as cl")
    .innerJoin("ratings as r", "r.id", "cl.lead_rating_id")
    .innerJoin("cycles as cy", "cy.id", "r.cycle_id")
    .innerJoin("topic_revisions as t", (join) =>
      join
        .onRef("t.topic_id", "=", "cl.topic_id")
        .onRef("t.framework_version_id", "=", "cy.framework_version_id"),
    )
    .innerJoin("category_revisions as c", (join) =>
      join
        .onRef("c.framework_version_id", "=", "t.framework_version_id")
        .onRef("c.category_id", "=", "t.category_id"),
    )
    .select([
      "t.name as topicName",
      "cl.self_level as self",
      "cl.lead_level as lead",
      "r.note as comment",
    ])
    .where("cl.organization_id", "=", organizationId)
    .where("cl.member_id", "=", memberId)
    .where("r.cycle_id", "=", cycleId)
    .where("cl.self_rating_id", "is not", null)
    .where(sql<boolean>`cl.self_level IS DISTINCT FROM cl.lead_level`)
    .orderBy("c.position")
    .orderBy("t.position")
    .execute();
}

/**
 * Takes a validated assessment back to submitted, so the lead can change their levels; until
 * it is validated again its lead levels count nowhere.
 */
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
