import { beforeAll, describe, expect, it } from "vitest";
import { buildGapData, type GapData } from "../gaps/gap-data";
import { api, apiToken } from "../support/api-client";

// Two API clients saving the same member's self ratings (see gap-data.ts: Cat's assessment
// is a draft; she has self ratings on a1 and a2, none on b1). A client that read a topic as
// unrated sends `baseRatingId: null`; if a rating was saved meanwhile, its save is a
// conflict, never an overwrite.

let g: GapData;
let token: string;

beforeAll(async () => {
  g = await buildGapData();
  token = (await apiToken(g.organizationId, g.admin.id)).secret;
});

const save = (ratings: { topicId: string; level: number | null; baseRatingId: number | null }[]) =>
  api(token, "POST", "/ratings/self", { json: { memberId: g.cat.membershipId, ratings } });

async function selfHistory(topicId: string) {
  const response = await api(
    token,
    "GET",
    `/ratings?member=${g.cat.membershipId}&topic=${topicId}&source=self&history=true`,
  );
  expect(response.status).toBe(200);
  return response.body.data.map((r: { id: number; level: number | null }) => ({
    id: r.id,
    level: r.level,
  }));
}

describe("saving self ratings through the API", () => {
  it("a client that saw no rating gets a conflict when another client rated the topic meanwhile", async () => {
    // Both clients read b1 as unrated.
    expect(await selfHistory(g.topic.b1)).toEqual([]);

    const first = await save([{ topicId: g.topic.b1, level: 2, baseRatingId: null }]);
    expect(first.status).toBe(200);
    expect(first.body.conflicts).toEqual([]);
    const firstId = first.body.saved[0].ratingId;

    const second = await save([{ topicId: g.topic.b1, level: 4, baseRatingId: null }]);
    expect(second.status).toBe(200);
    expect(second.body.saved).toEqual([]);
    expect(second.body.conflicts).toMatchObject([
      { topicId: g.topic.b1, theirs: { ratingId: firstId, level: 2 }, yours: { level: 4 } },
    ]);
    expect(await selfHistory(g.topic.b1)).toEqual([{ id: firstId, level: 2 }]);

    // Starting from the rating the conflict returned, the save goes through.
    const retried = await save([{ topicId: g.topic.b1, level: 4, baseRatingId: firstId }]);
    expect(retried.body.conflicts).toEqual([]);
    expect((await selfHistory(g.topic.b1)).map((r: { level: number }) => r.level)).toEqual([2, 4]);
  });

  it("a null base on a topic that already has a rating is a conflict too", async () => {
    const [existing] = await selfHistory(g.topic.a2);
    const response = await save([{ topicId: g.topic.a2, level: 3, baseRatingId: null }]);
    expect(response.body.conflicts).toMatchObject([
      { topicId: g.topic.a2, theirs: { ratingId: existing.id, level: existing.level } },
    ]);
    expect(await selfHistory(g.topic.a2)).toEqual([existing]);
  });
});
