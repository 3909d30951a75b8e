// Self-assessment saves over HTTP as the app's own form script posts them (a fetcher POST to
// the route's single-fetch endpoint): every skill topic at once, each save changing every
// level so each one appends a rating per topic. The rating ids the form would carry as its
// concurrency tokens are read from the database between saves (not timed).
import type { Kysely } from "kysely";
import type { Database } from "#db/schema";
import { latencyStats, type LatencyStats } from "./stats";

export interface SaveResult extends LatencyStats {
  ratingsPerSave: number;
  ratingsWritten: number;
}

export async function measureSaves(
  db: Kysely<Database>,
  {
    baseUrl,
    cookie,
    memberId,
    topicIds,
    saves,
  }: {
    baseUrl: string;
    cookie: string;
    memberId: string;
    topicIds: string[];
    saves: number;
  },
): Promise<SaveResult> {
  const countRatings = async () =>
    (
      await db
        .selectFrom("ratings")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("member_id", "=", memberId)
        .executeTakeFirstOrThrow()
    ).n;
  const before = await countRatings();
  const samples: number[] = [];
  for (let i = 0; i < saves; i++) {
    const form = await nextLevelsForm(db, memberId, topicIds);
    const started = performance.now();
    const res = await postSave(baseUrl, cookie, form);
    const body = await res.text();
    samples.push(performance.now() - started);
    if (res.status !== 200)
      throw new Error(`self-assessment save ${i + 1}: HTTP ${res.status} ${body.slice(0, 300)}`);
  }
  const written = (await countRatings()) - before;
  if (written !== saves * topicIds.length)
    throw new Error(`saves wrote ${written} ratings, expected ${saves * topicIds.length}`);
  return { ...latencyStats(samples), ratingsPerSave: topicIds.length, ratingsWritten: written };
}

/**
 * The form's fields for a save of `topicIds`, each level moved on by one from the member's
 * current one, with the rating ids the page would carry as concurrency tokens.
 */
export async function nextLevelsForm(
  db: Kysely<Database>,
  memberId: string,
  topicIds: string[],
): Promise<URLSearchParams> {
  const current = await db
    .selectFrom("current_levels")
    .select(["topic_id", "self_rating_id as rating_id", "self_level as level"])
    .where("member_id", "=", memberId)
    .where("self_rating_id", "is not", null)
    .where("topic_id", "in", topicIds)
    .execute();
  const byTopic = new Map(current.map((c) => [c.topic_id, c]));
  const form = new URLSearchParams();
  for (const topicId of topicIds) {
    const now = byTopic.get(topicId);
    form.set(`level.${topicId}`, String(((now?.level ?? -1) + 1 + 5) % 5));
    form.set(`base.${topicId}`, now ? String(now.rating_id) : "");
    form.set(`note.${topicId}`, "");
    form.set(`evidence.${topicId}`, "");
  }
  return form;
}

/** Posts a self-assessment save as the form's script does (a fetcher POST, single fetch). */
export function postSave(baseUrl: string, cookie: string, form: URLSearchParams) {
  return fetch(`${baseUrl}/assessment.data`, {
    method: "POST",
    headers: {
      Cookie: cookie,
      Origin: baseUrl,
      "Content-Type": "application/x-www-form-urlencoded",
    },
    body: form,
  });
}
