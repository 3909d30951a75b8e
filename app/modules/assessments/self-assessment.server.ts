import type { Kysely, Transaction } from "kysely";
import { sql } from "kysely";
import { z } from "zod";
import { db } from "#db/database";
import type { AssessmentStatus, CategoryKind, Database } from "#db/schema";
import { conflict, invalid, notFound } from "~/lib/errors.server";
import { MAX_TOPICS_PER_POST } from "~/lib/forms.server";
import { levelDescriptorsForVersion } from "~/modules/frameworks/level-descriptors.server";

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
  lead: number | null | undefined;
  stale: boolean;
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
}

const MAX_NOTE = 2000;
const MAX_EVIDENCE = 5;

const evidenceUrl = z
  .string()
  .max(2000, "Links must be under 2,000 characters.")
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === "https:" || url.protocol === "http:") && url.hostname.includes(".");
    } catch {
      return false;
    }
  }, "Each evidence link must be a full http(s) address, e.g. https://github.com/org/repo/pull/12.");

export const TopicEntrySchema = z.object({
  topicId: z.uuid(),
  /** "" = not answered yet; "na" = not applicable. */
  level: z.enum(["", "0", "1", "2", "3", "4", "na"], {
    error: "Choose a level from 0 to 4, or N/A.",
  }),
  /** The rating id the editor started from ("" when there was none): the concurrency token. */
  base: z.union([z.literal(""), z.coerce.number().int().positive()]),
  note: z.string().trim().max(MAX_NOTE, `Keep the note under ${MAX_NOTE} characters.`),
  evidence: z
    .string()
    .transform((text) =>
      text
        .split(/\s+/)
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(evidenceUrl).max(MAX_EVIDENCE, `At most ${MAX_EVIDENCE} evidence links per topic.`),
    ),
  flags: z.boolean(),
  wantToLearn: z.boolean(),
  canMentor: z.boolean(),
});

export type TopicEntry = z.infer<typeof TopicEntrySchema>;

/**
 * Reads the topics posted by the assessment form. Fields are named `<field>.<topicId>`
 * (level, base, note, evidence; want and mentor checkboxes, with a `flags` marker so an
 * unticked box is told apart from one that was not on the page).
 */
export function parseTopicEntries(form: FormData): TopicEntry[] {
  const ids = new Set<string>();
  for (const key of form.keys()) {
    const match = /^level\.(.+)$/.exec(key) ?? /^base\.(.+)$/.exec(key);
    if (match?.[1]) ids.add(match[1]);
  }
  if (ids.size > MAX_TOPICS_PER_POST) throw invalid("Too many topics in one save.");
  const entries: TopicEntry[] = [];
  const fieldErrors: Record<string, string> = {};
  for (const topicId of ids) {
    const text = (name: string) => {
      const value = form.get(`${name}.${topicId}`);
      return typeof value === "string" ? value : "";
    };
    const result = TopicEntrySchema.safeParse({
      topicId,
      level: text("level"),
      base: text("base"),
      note: text("note"),
      evidence: text("evidence"),
      flags: form.has(`flags.${topicId}`),
      wantToLearn: form.has(`want.${topicId}`),
      canMentor: form.has(`mentor.${topicId}`),
    });
    if (result.success) entries.push(result.data);
    else
      for (const issue of result.error.issues)
        fieldErrors[`${String(issue.path[0])}.${topicId}`] ??= issue.message;
  }
  if (Object.keys(fieldErrors).length)
    throw invalid("Please correct the highlighted topics.", fieldErrors);
  return entries;
}

async function openCycleFor(organizationId: string) {
  return db
    .selectFrom("cycles")
    .select(["id", "name", "starts_on", "due_on", "ends_on", "framework_version_id"])
    .where("organization_id", "=", organizationId)
    .where("status", "=", "open")
    .executeTakeFirst();
}

/** The member's assessment in the cycle, started as a draft if they have none yet. */
async function ensureAssessment(who: Assessor, cycleId: string, executor: Kysely<Database> = db) {
  await executor
    .insertInto("assessments")
    .values({ organization_id: who.organizationId, cycle_id: cycleId, member_id: who.memberId })
    .onConflict((oc) => oc.columns(["cycle_id", "member_id"]).doNothing())
    .execute();
  return executor
    .selectFrom("assessments")
    .select(["id", "status", "revision", "submitted_at", "validated_at"])
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
  const cycle = await openCycleFor(who.organizationId);
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
      .leftJoin("current_ratings as cs", (join) =>
        join
          .onRef("cs.topic_id", "=", "t.topic_id")
          .on("cs.member_id", "=", who.memberId)
          .on("cs.source", "=", "self"),
      )
      .leftJoin("ratings as r", "r.id", "cs.rating_id")
      .leftJoin("current_ratings as cl", (join) =>
        join
          .onRef("cl.topic_id", "=", "t.topic_id")
          .on("cl.member_id", "=", who.memberId)
          .on("cl.source", "=", "lead"),
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
        "cs.rating_id",
        "cs.level",
        "cs.rated_at",
        "cs.cycle_id as rated_cycle_id",
        "r.note",
        "r.evidence_urls",
        "cl.level as lead_level",
        "cl.rating_id as lead_rating_id",
        "f.want_to_learn",
        "f.can_mentor",
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
    category.topics.push({
      id: row.topic_id,
      name: row.name,
      description: row.description,
      current,
      previous: previousLevel.has(row.topic_id)
        ? (previousLevel.get(row.topic_id) ?? null)
        : undefined,
      lead: row.lead_rating_id === null ? undefined : row.lead_level,
      stale: current !== null && !current.thisCycle && new Date(current.ratedAt) < staleBefore,
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
    },
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
async function lockDraft(trx: Trx, who: Assessor, allowed: AssessmentStatus[] = ["draft"]) {
  // FOR SHARE: closing the cycle (FOR UPDATE) waits for saves in flight, and vice versa.
  const cycle = await trx
    .selectFrom("cycles")
    .select(["id", "name", "framework_version_id"])
    .where("organization_id", "=", who.organizationId)
    .where("status", "=", "open")
    .forShare()
    .executeTakeFirst();
  if (!cycle)
    throw conflict("There is no open cycle: ratings are locked until an admin opens the next one.");
  // Members who joined after the cycle opened start their draft on their first save.
  await ensureAssessment(who, cycle.id, trx);
  const row = await trx
    .selectFrom("assessments")
    .select(["id", "status"])
    .where("cycle_id", "=", cycle.id)
    .where("member_id", "=", who.memberId)
    .forUpdate()
    .executeTakeFirstOrThrow();
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

async function touch(trx: Trx, assessmentId: string) {
  await trx
    .updateTable("assessments")
    .set((eb) => ({ revision: eb("revision", "+", 1), updated_at: new Date() }))
    .where("id", "=", assessmentId)
    .execute();
}

/** Only topics of the cycle's version that are not retired may be rated. */
async function assertTopicsInVersion(
  trx: Trx,
  who: Assessor,
  versionId: string,
  topicIds: string[],
) {
  if (!topicIds.length) return new Map<string, string>();
  const found = await trx
    .selectFrom("topic_revisions")
    .select(["topic_id", "name"])
    .where("organization_id", "=", who.organizationId)
    .where("framework_version_id", "=", versionId)
    .where("retired", "=", false)
    .where("topic_id", "in", topicIds)
    .execute();
  if (found.length !== new Set(topicIds).size) throw notFound("Topic");
  return new Map(found.map((t) => [t.topic_id, t.name]));
}

function sameValue(a: RatingValue, b: RatingValue) {
  return (
    a.level === b.level &&
    (a.note ?? "") === (b.note ?? "") &&
    a.evidence.join(" ") === b.evidence.join(" ")
  );
}

export interface SaveConflict {
  topicId: string;
  topicName: string;
  /** The newer value saved elsewhere, which was kept. */
  theirs: RatingValue & { ratingId: number; ratedAt: string };
  /** The value this save tried to write, which was not saved. */
  yours: RatingValue;
}

export interface SaveResult {
  saved: { topicId: string; ratingId: number }[];
  conflicts: SaveConflict[];
}

/**
 * Saves the posted topics of a draft. Ratings are append-only: a changed value appends a row.
 * Each topic carries the rating id its editor started from; if a newer rating has been saved
 * since (another tab), that topic is not written and comes back as a conflict with the
 * newer value. Unchanged topics write nothing. Flags are saved as posted.
 */
export async function saveSelfRatings(who: Assessor, entries: TopicEntry[]): Promise<SaveResult> {
  return db.transaction().execute(async (trx) => {
    const draft = await lockDraft(trx, who);
    const names = await assertTopicsInVersion(
      trx,
      who,
      draft.framework_version_id,
      entries.map((e) => e.topicId),
    );
    const currentRows = entries.length
      ? await trx
          .selectFrom("current_ratings as cr")
          .innerJoin("ratings as r", "r.id", "cr.rating_id")
          .select([
            "cr.topic_id",
            "cr.rating_id",
            "r.level",
            "r.note",
            "r.evidence_urls",
            "r.created_at",
          ])
          .where("cr.organization_id", "=", who.organizationId)
          .where("cr.member_id", "=", who.memberId)
          .where("cr.source", "=", "self")
          .where(
            "cr.topic_id",
            "in",
            entries.map((e) => e.topicId),
          )
          .execute()
      : [];
    const current = new Map(currentRows.map((row) => [row.topic_id, row]));

    const result: SaveResult = { saved: [], conflicts: [] };
    const inserts: { topicId: string; value: RatingValue }[] = [];
    for (const entry of entries) {
      const now = current.get(entry.topicId);
      if (entry.level === "") {
        // Nothing chosen: keep whatever is there (a radio group cannot be cleared).
        if (now) result.saved.push({ topicId: entry.topicId, ratingId: now.rating_id });
        continue;
      }
      const value: RatingValue = {
        level: entry.level === "na" ? null : Number(entry.level),
        note: entry.note || null,
        evidence: entry.evidence,
      };
      if (now) {
        const theirs = { level: now.level, note: now.note, evidence: now.evidence_urls };
        if (sameValue(theirs, value)) {
          result.saved.push({ topicId: entry.topicId, ratingId: now.rating_id });
          continue;
        }
        if (entry.base !== now.rating_id) {
          result.conflicts.push({
            topicId: entry.topicId,
            topicName: names.get(entry.topicId) ?? "",
            theirs: {
              ...theirs,
              ratingId: now.rating_id,
              ratedAt: new Date(now.created_at).toISOString(),
            },
            yours: value,
          });
          continue;
        }
      } else if (entry.base !== "") {
        throw conflict("This form is out of date. Reload the page.");
      }
      inserts.push({ topicId: entry.topicId, value });
    }

    if (inserts.length) {
      const rows = await trx
        .insertInto("ratings")
        .values(
          inserts.map(({ topicId, value }) => ({
            organization_id: who.organizationId,
            cycle_id: draft.cycle_id,
            member_id: who.memberId,
            topic_id: topicId,
            source: "self" as const,
            level: value.level,
            note: value.note,
            evidence_urls: value.evidence,
            rated_by_user_id: who.userId,
          })),
        )
        .returning(["id", "topic_id"])
        .execute();
      for (const row of rows) result.saved.push({ topicId: row.topic_id, ratingId: row.id });
      await touch(trx, draft.id);
    }

    await saveFlags(
      trx,
      who,
      entries.filter((e) => e.flags),
    );
    return result;
  });
}

/** Writes want-to-learn / can-mentor only where they changed (a form posts every topic's). */
async function saveFlags(trx: Trx, who: Assessor, entries: TopicEntry[]) {
  const raised = entries.filter((e) => e.wantToLearn || e.canMentor);
  const cleared = entries.filter((e) => !e.wantToLearn && !e.canMentor).map((e) => e.topicId);
  if (raised.length) {
    await trx
      .insertInto("topic_flags")
      .values(
        raised.map((e) => ({
          organization_id: who.organizationId,
          member_id: who.memberId,
          topic_id: e.topicId,
          want_to_learn: e.wantToLearn,
          can_mentor: e.canMentor,
        })),
      )
      .onConflict((oc) =>
        oc
          .columns(["member_id", "topic_id"])
          .doUpdateSet((eb) => ({
            want_to_learn: eb.ref("excluded.want_to_learn"),
            can_mentor: eb.ref("excluded.can_mentor"),
            updated_at: new Date(),
          }))
          .where((eb) =>
            eb.or([
              eb("topic_flags.want_to_learn", "<>", eb.ref("excluded.want_to_learn")),
              eb("topic_flags.can_mentor", "<>", eb.ref("excluded.can_mentor")),
            ]),
          ),
      )
      .execute();
  }
  if (cleared.length) {
    await trx
      .updateTable("topic_flags")
      .set({ want_to_learn: false, can_mentor: false, updated_at: new Date() })
      .where("organization_id", "=", who.organizationId)
      .where("member_id", "=", who.memberId)
      .where("topic_id", "in", cleared)
      .where((eb) => eb.or([eb("want_to_learn", "=", true), eb("can_mentor", "=", true)]))
      .execute();
  }
}

/**
 * Re-confirms carried ratings unchanged in this cycle: appends a copy of the newest self
 * rating (same level, note and evidence) so its age restarts. With a category, every topic
 * of it carried from an earlier cycle; with topic ids, just those.
 */
export async function confirmUnchanged(
  who: Assessor,
  scope: { categoryId: string } | { topicIds: string[] },
) {
  return db.transaction().execute(async (trx) => {
    const draft = await lockDraft(trx, who);
    let query = trx
      .selectFrom("current_ratings as cr")
      .innerJoin("ratings as r", "r.id", "cr.rating_id")
      .innerJoin("topic_revisions as t", (join) =>
        join
          .onRef("t.topic_id", "=", "cr.topic_id")
          .on("t.framework_version_id", "=", draft.framework_version_id),
      )
      .select([
        "r.organization_id",
        sql<string>`${draft.cycle_id}::uuid`.as("cycle_id"),
        "r.member_id",
        "r.topic_id",
        "r.source",
        "r.level",
        "r.note",
        "r.evidence_urls",
        sql<string>`${who.userId}::uuid`.as("rated_by_user_id"),
      ])
      .where("cr.organization_id", "=", who.organizationId)
      .where("cr.member_id", "=", who.memberId)
      .where("cr.source", "=", "self")
      .where("cr.cycle_id", "<>", draft.cycle_id)
      .where("t.retired", "=", false);
    if ("categoryId" in scope) {
      query = query.where("t.category_id", "=", scope.categoryId);
    } else {
      await assertTopicsInVersion(trx, who, draft.framework_version_id, scope.topicIds);
      query = query.where("cr.topic_id", "in", scope.topicIds);
    }
    const inserted = await trx
      .insertInto("ratings")
      .columns([
        "organization_id",
        "cycle_id",
        "member_id",
        "topic_id",
        "source",
        "level",
        "note",
        "evidence_urls",
        "rated_by_user_id",
      ])
      .expression(query.orderBy("t.position"))
      .executeTakeFirst();
    const count = Number(inserted.numInsertedOrUpdatedRows ?? 0);
    if (count) await touch(trx, draft.id);
    return count;
  });
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
    .leftJoin("current_ratings as cr", (join) =>
      join
        .onRef("cr.topic_id", "=", "t.topic_id")
        .on("cr.member_id", "=", who.memberId)
        .on("cr.source", "=", "self"),
    )
    .select(["t.topic_id", "t.name", "c.category_id", "c.name as category_name"])
    .where("t.organization_id", "=", who.organizationId)
    .where("t.framework_version_id", "=", versionId)
    .where("t.retired", "=", false)
    .where("cr.topic_id", "is", null)
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
