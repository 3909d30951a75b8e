import type { Kysely, Transaction } from "kysely";
import { db } from "#db/database";
import type { AssessmentStatus, CategoryKind, Database, TargetPriority } from "#db/schema";
import { conflict } from "~/lib/errors.server";
import { levelDescriptorsForVersion } from "~/modules/frameworks/level-descriptors.server";
import { differingTopics } from "~/modules/ratings/lead-ratings.server";
import { findOpenCycle } from "./open-cycle.server";

/** Who is assessing themselves: the caller's membership in their active organisation. */
export interface Assessor {
  organizationId: string;
  memberId: string;
  userId: string;
}

export interface RatingValue {
  /** 0–4, or null for "not applicable". */
  level: number | null;
  note: string | null;
  evidence: string[];
}

export interface FormTopic {
  id: string;
  name: string;
  description: string | null;
  /** The member's newest self rating, from this cycle or carried from an earlier one. */
  current: (RatingValue & { ratingId: number; ratedAt: string; thisCycle: boolean }) | null;
  /** Self level as of the previous cycle; undefined when there was none. */
  previous: number | null | undefined;
  /** The lead's validated level and comment (undefined until a lead has validated one). */
  lead: { level: number | null; comment: string | null; ratedAt: string } | undefined;
  stale: boolean;
  /** The member's target on this topic, from their own target profile (null: none). */
  target: { level: number; priority: TargetPriority } | null;
  wantToLearn: boolean;
  canMentor: boolean;
  descriptors: Record<number, string>;
}

export interface FormCategory {
  id: string;
  name: string;
  kind: CategoryKind;
  topics: FormTopic[];
  answered: number;
  confirmedThisCycle: number;
  /** Topics carried from an earlier cycle that "unchanged since last cycle" would confirm. */
  carried: number;
  /** Of those, ratings older than the organisation's staleness setting. */
  stale: number;
}

/** The member's assessment in the cycle, started as a draft if they have none yet. */
async function ensureAssessment(who: Assessor, cycleId: string, executor: Kysely<Database> = db) {
  await executor
    .insertInto("assessments")
    .values({ organization_id: who.organizationId, cycle_id: cycleId, member_id: who.memberId })
    .onConflict((oc) => oc.columns(["cycle_id", "member_id", "organization_id"]).doNothing())
    .execute();
  return executor
    .selectFrom("assessments")
    .select([
      "id",
      "status",
      "revision",
      "submitted_at",
      "validated_at",
      "validated_by_user_id",
      "acknowledged_at",
    ])
    .where("cycle_id", "=", cycleId)
    .where("member_id", "=", who.memberId)
    .executeTakeFirstOrThrow();
}

/**
 * Everything the self-assessment form shows for the open cycle: the cycle's framework version
 * (non-retired topics) with, per topic, the member's newest self rating (pre-filling the draft),
 * their level as of the previous cycle, the lead's current level, flags and level descriptors.
 */
export async function loadSelfAssessment(who: Assessor, now = new Date()) {
  const cycle = await findOpenCycle(who.organizationId);
  if (!cycle) return null;
  const assessment = await ensureAssessment(who, cycle.id);
  const org = await db
    .selectFrom("organizations")
    .select("stale_after_days")
    .where("id", "=", who.organizationId)
    .executeTakeFirstOrThrow();
  const staleBefore = new Date(now.getTime() - org.stale_after_days * 86_400_000);

  const [rows, previous, descriptors] = await Promise.all([
    db
      .selectFrom("topic_revisions as t")
      .innerJoin("category_revisions as c", (join) =>
        join
          .onRef("c.framework_version_id", "=", "t.framework_version_id")
          .onRef("c.category_id", "=", "t.category_id"),
      )
      .leftJoin("current_levels as cl", (join) =>
        join.onRef("cl.topic_id", "=", "t.topic_id").on("cl.member_id", "=", who.memberId),
      )
      .leftJoin("ratings as r", "r.id", "cl.self_rating_id")
      .leftJoin("ratings as rl", "rl.id", "cl.validated_lead_rating_id")
      .innerJoin("memberships as m", (join) => join.on("m.id", "=", who.memberId))
      .leftJoin("topic_targets as tt", (join) =>
        join
          .onRef("tt.framework_version_id", "=", "t.framework_version_id")
          .onRef("tt.topic_id", "=", "t.topic_id")
          .onRef("tt.target_profile_id", "=", "m.target_profile_id"),
      )
      .leftJoin("topic_flags as f", (join) =>
        join.onRef("f.topic_id", "=", "t.topic_id").on("f.member_id", "=", who.memberId),
      )
      .select([
        "c.category_id",
        "c.name as category_name",
        "c.kind",
        "t.topic_id",
        "t.name",
        "t.description",
        "cl.self_rating_id as rating_id",
        "cl.self_level as level",
        "cl.self_rated_at as rated_at",
        "cl.self_cycle_id as rated_cycle_id",
        "r.note",
        "r.evidence_urls",
        "cl.validated_lead_rating_id as lead_rating_id",
        "cl.validated_lead_level as lead_level",
        "cl.validated_lead_rated_at as lead_rated_at",
        "rl.note as lead_comment",
        "f.want_to_learn",
        "f.can_mentor",
        "tt.target_level",
        "tt.priority",
      ])
      .where("t.organization_id", "=", who.organizationId)
      .where("t.framework_version_id", "=", cycle.framework_version_id)
      .where("t.retired", "=", false)
      .orderBy("c.position")
      .orderBy("t.position")
      .execute(),
    // Newest self rating per topic among cycles that started before this one.
    db
      .selectFrom("ratings as r")
      .innerJoin("cycles as c", "c.id", "r.cycle_id")
      .select(["r.topic_id", "r.level"])
      .distinctOn("r.topic_id")
      .where("r.organization_id", "=", who.organizationId)
      .where("r.member_id", "=", who.memberId)
      .where("r.source", "=", "self")
      .where("c.starts_on", "<", cycle.starts_on)
      .orderBy("r.topic_id")
      .orderBy("r.id", "desc")
      .execute(),
    levelDescriptorsForVersion(who.organizationId, cycle.framework_version_id),
  ]);

  const validator = assessment.validated_by_user_id
    ? await db
        .selectFrom("users")
        .select("display_name")
        .where("id", "=", assessment.validated_by_user_id)
        .executeTakeFirst()
    : undefined;
  const previousLevel = new Map(previous.map((p) => [p.topic_id, p.level]));
  const categories: FormCategory[] = [];
  for (const row of rows) {
    let category = categories.at(-1);
    if (!category || category.id !== row.category_id) {
      category = {
        id: row.category_id,
        name: row.category_name,
        kind: row.kind,
        topics: [],
        answered: 0,
        confirmedThisCycle: 0,
        carried: 0,
        stale: 0,
      };
      categories.push(category);
    }
    const current =
      row.rating_id !== null && row.rated_at !== null
        ? {
            ratingId: row.rating_id,
            level: row.level,
            note: row.note,
            evidence: row.evidence_urls ?? [],
            ratedAt: new Date(row.rated_at).toISOString(),
            thisCycle: row.rated_cycle_id === cycle.id,
          }
        : null;
    if (current) {
      category.answered++;
      if (current.thisCycle) category.confirmedThisCycle++;
      else category.carried++;
    }
    const stale = current !== null && !current.thisCycle && new Date(current.ratedAt) < staleBefore;
    if (stale) category.stale++;
    category.topics.push({
      id: row.topic_id,
      name: row.name,
      description: row.description,
      current,
      previous: previousLevel.has(row.topic_id)
        ? (previousLevel.get(row.topic_id) ?? null)
        : undefined,
      lead:
        row.lead_rating_id === null
          ? undefined
          : {
              level: row.lead_level,
              comment: row.lead_comment,
              ratedAt: new Date(row.lead_rated_at!).toISOString(),
            },
      stale,
      target:
        row.target_level === null || row.priority === null
          ? null
          : { level: row.target_level, priority: row.priority },
      wantToLearn: row.want_to_learn ?? false,
      canMentor: row.can_mentor ?? false,
      descriptors: descriptors.overrides[row.topic_id] ?? {},
    });
  }
  const topics = categories.reduce((n, c) => n + c.topics.length, 0);
  const answered = categories.reduce((n, c) => n + c.answered, 0);
  const confirmed = categories.reduce((n, c) => n + c.confirmedThisCycle, 0);
  return {
    cycle: {
      id: cycle.id,
      name: cycle.name,
      startsOn: cycle.starts_on,
      dueOn: cycle.due_on,
      endsOn: cycle.ends_on,
    },
    assessment: {
      status: assessment.status,
      revision: assessment.revision,
      submittedAt: assessment.submitted_at,
      validatedAt: assessment.validated_at,
      acknowledgedAt: assessment.acknowledged_at,
    },
    validation:
      assessment.status === "validated"
        ? {
            validator: validator?.display_name ?? null,
            differing: await differingTopics(db, who.organizationId, who.memberId, cycle.id),
          }
        : null,
    categories,
    levels: descriptors.defaults,
    progress: { topics, answered, confirmed },
    staleAfterDays: org.stale_after_days,
  };
}

export type SelfAssessment = NonNullable<Awaited<ReturnType<typeof loadSelfAssessment>>>;

type Trx = Transaction<Database>;

/**
 * Locks the member's assessment in the open cycle for the length of the transaction, so
 * saves of the same assessment (two tabs, double clicks) run one after the other, and a
 * cycle being closed waits for them.
 */
export async function lockDraft(trx: Trx, who: Assessor, allowed: AssessmentStatus[] = ["draft"]) {
  const cycle = await findOpenCycle(who.organizationId, { executor: trx, forShare: true });
  if (!cycle)
    throw conflict("There is no open cycle: ratings are locked until an admin opens the next one.");
  const locked = () =>
    trx
      .selectFrom("assessments")
      .select(["id", "status"])
      .where("cycle_id", "=", cycle.id)
      .where("member_id", "=", who.memberId)
      .forUpdate()
      .executeTakeFirst();
  // Members who joined after the cycle opened start their draft on their first save (rare:
  // the common save locks the draft it finds, one statement fewer each time).
  let row = await locked();
  if (!row) {
    await ensureAssessment(who, cycle.id, trx);
    row = await locked();
    if (!row) throw new Error("assessment not created");
  }
  if (!allowed.includes(row.status)) {
    const messages: Record<AssessmentStatus, string> = {
      draft: "This assessment has not been submitted yet.",
      submitted: "You have submitted this assessment. Reopen it to make changes.",
      validated: "Your lead has validated this assessment; it is locked for this cycle.",
    };
    throw conflict(messages[row.status]);
  }
  return {
    id: row.id,
    status: row.status,
    cycle_id: cycle.id,
    framework_version_id: cycle.framework_version_id,
    cycle_name: cycle.name,
  };
}

/**
 * The member acknowledges their lead's validation of this cycle's assessment (their lead
 * sees who has). True when it was not acknowledged before.
 */
export async function acknowledgeValidation(who: Assessor) {
  const cycle = await findOpenCycle(who.organizationId);
  if (!cycle) throw conflict("There is no open cycle.");
  const updated = await db
    .updateTable("assessments")
    .set({ acknowledged_at: new Date() })
    .where("organization_id", "=", who.organizationId)
    .where("cycle_id", "=", cycle.id)
    .where("member_id", "=", who.memberId)
    .where("status", "=", "validated")
    .where("acknowledged_at", "is", null)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) {
    const row = await db
      .selectFrom("assessments")
      .select("status")
      .where("cycle_id", "=", cycle.id)
      .where("member_id", "=", who.memberId)
      .executeTakeFirst();
    if (row?.status !== "validated") throw conflict("Your assessment is not validated yet.");
    return false;
  }
  return true;
}

/** Records that the assessment changed (its revision is the form's freshness token). */
export async function touchAssessment(trx: Trx, assessmentId: string) {
  await trx
    .updateTable("assessments")
    .set((eb) => ({ revision: eb("revision", "+", 1), updated_at: new Date() }))
    .where("id", "=", assessmentId)
    .execute();
}

/** Topics of the cycle's version the member has not answered (no self rating at all). */
async function unansweredTopics(trx: Trx, who: Assessor, versionId: string) {
  return trx
    .selectFrom("topic_revisions as t")
    .innerJoin("category_revisions as c", (join) =>
      join
        .onRef("c.framework_version_id", "=", "t.framework_version_id")
        .onRef("c.category_id", "=", "t.category_id"),
    )
    .leftJoin("current_levels as cl", (join) =>
      join.onRef("cl.topic_id", "=", "t.topic_id").on("cl.member_id", "=", who.memberId),
    )
    .select(["t.topic_id", "t.name", "c.category_id", "c.name as category_name"])
    .where("t.organization_id", "=", who.organizationId)
    .where("t.framework_version_id", "=", versionId)
    .where("t.retired", "=", false)
    .where("cl.self_rating_id", "is", null)
    .orderBy("c.position")
    .orderBy("t.position")
    .execute();
}

export type MissingTopic = Awaited<ReturnType<typeof unansweredTopics>>[number];

/**
 * Submits the draft when every topic has an answer (a level or N/A; a level carried from an
 * earlier cycle counts). Otherwise nothing changes and the missing topics come back.
 */
export async function submitSelfAssessment(
  who: Assessor,
): Promise<{ submitted: true } | { submitted: false; missing: MissingTopic[] }> {
  return db.transaction().execute(async (trx) => {
    const draft = await lockDraft(trx, who);
    const missing = await unansweredTopics(trx, who, draft.framework_version_id);
    if (missing.length) return { submitted: false as const, missing };
    await trx
      .updateTable("assessments")
      .set((eb) => ({
        status: "submitted",
        submitted_at: new Date(),
        revision: eb("revision", "+", 1),
        updated_at: new Date(),
      }))
      .where("id", "=", draft.id)
      .execute();
    return { submitted: true as const };
  });
}

/** Takes a submitted (not yet validated) assessment back to draft for more changes. */
export async function reopenSelfAssessment(who: Assessor) {
  await db.transaction().execute(async (trx) => {
    const draft = await lockDraft(trx, who, ["submitted"]);
    await trx
      .updateTable("assessments")
      .set((eb) => ({
        status: "draft",
        submitted_at: null,
        revision: eb("revision", "+", 1),
        updated_at: new Date(),
      }))
      .where("id", "=", draft.id)
      .execute();
  });
}
