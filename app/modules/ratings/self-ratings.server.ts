import { sql, type Transaction } from "kysely";
import { db } from "#db/database";
import type { Database } from "#db/schema";
import { conflict, notFound } from "~/lib/errors.server";
import {
  lockDraft,
  touchAssessment,
  type Assessor,
  type RatingValue,
} from "~/modules/assessments/self-assessment.server";
import {
  levelFromField,
  parseRatingInputs,
  SelfRatingInputSchema,
  storedLevel,
  type RatingInput,
} from "./rating-input";

// The member's own ratings: draft saves, "still accurate" and "unchanged since last cycle".
// Ratings are append-only (ADR 005): a changed value appends a row; the newest row per member,
// topic and source is kept in current_levels by trigger.

type Trx = Transaction<Database>;

export interface TopicFlags {
  topicId: string;
  wantToLearn: boolean;
  canMentor: boolean;
}

/**
 * Reads the topics posted by the assessment form. Fields are named `<field>.<topicId>`
 * (level, base, note, evidence; want and mentor checkboxes, with a `flags` marker so an
 * unticked box is told apart from one that was not on the page). Errors are keyed the same way.
 */
export function parseSelfRatingForm(form: FormData): {
  ratings: RatingInput[];
  flags: TopicFlags[];
} {
  const ids = new Set<string>();
  for (const key of form.keys()) {
    const match = /^level\.(.+)$/.exec(key) ?? /^base\.(.+)$/.exec(key);
    if (match?.[1]) ids.add(match[1]);
  }
  const topicIds = [...ids];
  const field = (name: string, topicId: string) => {
    const value = form.get(`${name}.${topicId}`);
    return typeof value === "string" ? value : "";
  };
  const formField: Record<string, string> = { baseRatingId: "base" };
  const ratings = parseRatingInputs(
    topicIds.map((topicId) => {
      const base = field("base", topicId);
      return {
        topicId,
        level: levelFromField(field("level", topicId)),
        note: field("note", topicId),
        evidence: field("evidence", topicId)
          .split(/\s+/)
          .map((s) => s.trim())
          .filter(Boolean),
        baseRatingId: base === "" ? null : Number(base),
      };
    }),
    SelfRatingInputSchema,
    (index, name) => `${formField[name] ?? name}.${topicIds[index]}`,
  );
  const flags = topicIds
    .filter((topicId) => form.has(`flags.${topicId}`))
    .map((topicId) => ({
      topicId,
      wantToLearn: form.has(`want.${topicId}`),
      canMentor: form.has(`mentor.${topicId}`),
    }));
  return { ratings, flags };
}

/** Only topics of the cycle's version that are not retired may be rated: `topicIds` among them. */
function rateableTopics(trx: Trx, organizationId: string, versionId: string, topicIds: string[]) {
  return trx
    .selectFrom("topic_revisions as t")
    .where("t.organization_id", "=", organizationId)
    .where("t.framework_version_id", "=", versionId)
    .where("t.retired", "=", false)
    .where("t.topic_id", "in", topicIds);
}

/** A topic asked for that is not rateable answers 404, as another organisation's would. */
function assertAllRateable(found: unknown[], topicIds: string[]) {
  if (found.length !== new Set(topicIds).size) throw notFound("Topic");
}

async function assertTopicsInVersion(
  trx: Trx,
  organizationId: string,
  versionId: string,
  topicIds: string[],
) {
  if (!topicIds.length) return;
  const found = await rateableTopics(trx, organizationId, versionId, topicIds)
    .select("t.topic_id")
    .execute();
  assertAllRateable(found, topicIds);
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

interface CurrentSelfRating {
  rating_id: number;
  level: number | null;
  note: string | null;
  evidence_urls: string[];
  created_at: Date | string;
}

/**
 * Saves topics of the member's draft. Each topic carries the rating id its editor started
 * from; if a newer rating has been saved since (another tab), that topic is not written and
 * comes back as a conflict with the newer value. Unchanged topics write nothing. Flags are
 * saved as posted.
 */
export async function saveSelfRatings(
  who: Assessor,
  ratings: RatingInput[],
  flags: TopicFlags[] = [],
): Promise<SaveResult> {
  return db.transaction().execute(async (trx) => {
    const draft = await lockDraft(trx, who);
    const topicIds = ratings.map((e) => e.topicId);
    // The topics (only the version's, not retired) with the member's current self rating of
    // each, in one statement: a save is a handful of round trips, each one counted.
    const topicRows = topicIds.length
      ? await rateableTopics(trx, who.organizationId, draft.framework_version_id, topicIds)
          .leftJoin("current_levels as cl", (join) =>
            join
              .onRef("cl.topic_id", "=", "t.topic_id")
              .on("cl.organization_id", "=", who.organizationId)
              .on("cl.member_id", "=", who.memberId),
          )
          .leftJoin("ratings as r", "r.id", "cl.self_rating_id")
          .select([
            "t.topic_id",
            "t.name",
            "r.id as rating_id",
            "r.level",
            "r.note",
            "r.evidence_urls",
            "r.created_at",
          ])
          .execute()
      : [];
    assertAllRateable(topicRows, topicIds);
    const names = new Map(topicRows.map((t) => [t.topic_id, t.name]));
    const current = new Map<string, CurrentSelfRating>();
    for (const row of topicRows)
      if (row.rating_id !== null)
        current.set(row.topic_id, {
          rating_id: row.rating_id,
          level: row.level,
          note: row.note,
          evidence_urls: row.evidence_urls ?? [],
          created_at: row.created_at!,
        });

    const result: SaveResult = { saved: [], conflicts: [] };
    const inserts: { topicId: string; value: RatingValue }[] = [];
    for (const input of ratings) {
      const now = current.get(input.topicId);
      if (input.level === null) {
        // Nothing chosen: keep whatever is there.
        if (now) result.saved.push({ topicId: input.topicId, ratingId: now.rating_id });
        continue;
      }
      const value: RatingValue = {
        level: storedLevel(input.level),
        note: input.note,
        evidence: input.evidence,
      };
      if (now) {
        const theirs = { level: now.level, note: now.note, evidence: now.evidence_urls };
        if (sameValue(theirs, value)) {
          result.saved.push({ topicId: input.topicId, ratingId: now.rating_id });
          continue;
        }
        if (input.baseRatingId !== now.rating_id) {
          result.conflicts.push({
            topicId: input.topicId,
            topicName: names.get(input.topicId) ?? "",
            theirs: {
              ...theirs,
              ratingId: now.rating_id,
              ratedAt: new Date(now.created_at).toISOString(),
            },
            yours: value,
          });
          continue;
        }
      } else if (input.baseRatingId !== null) {
        throw conflict("This form is out of date. Reload the page.");
      }
      inserts.push({ topicId: input.topicId, value });
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
      await touchAssessment(trx, draft.id);
    }

    await saveFlags(trx, who, flags);
    return result;
  });
}

/** Writes want-to-learn / can-mentor only where they changed (a form posts every topic's). */
async function saveFlags(trx: Trx, who: Assessor, flags: TopicFlags[]) {
  const raised = flags.filter((e) => e.wantToLearn || e.canMentor);
  const cleared = flags.filter((e) => !e.wantToLearn && !e.canMentor).map((e) => e.topicId);
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
          .columns(["member_id", "topic_id", "organization_id"])
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
      .selectFrom("current_levels as cl")
      .innerJoin("ratings as r", "r.id", "cl.self_rating_id")
      .innerJoin("topic_revisions as t", (join) =>
        join
          .onRef("t.topic_id", "=", "cl.topic_id")
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
      .where("cl.organization_id", "=", who.organizationId)
      .where("cl.member_id", "=", who.memberId)
      .where("cl.self_cycle_id", "<>", draft.cycle_id)
      .where("t.retired", "=", false);
    if ("categoryId" in scope) {
      query = query.where("t.category_id", "=", scope.categoryId);
    } else {
      await assertTopicsInVersion(
        trx,
        who.organizationId,
        draft.framework_version_id,
        scope.topicIds,
      );
      query = query.where("cl.topic_id", "in", scope.topicIds);
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
    if (count) await touchAssessment(trx, draft.id);
    return count;
  });
}
