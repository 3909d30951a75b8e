import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { requireMember } from "~/modules/accounts/auth.server";
import { API_ENDPOINTS } from "~/modules/api/endpoints.server";
import { setTeamChannel } from "~/modules/notifications/channels.server";
import { buildGapData, type GapData } from "../gaps/gap-data";
import { api, apiToken } from "../support/api-client";
import { buildRequest } from "../support/remix";

// Generated hostile input against every API write and every list's query: whatever arrives,
// the answer is a 2xx or a 4xx problem, never a 5xx, and nothing already saved is lost.
// Seeded: a failure prints its seed; FC_SEED=<seed> replays it.

const SEED = Number(process.env.FC_SEED ?? 20261130);
const RUNS_PER_WRITE = 150;
const RUNS_PER_QUERY = 60;

let g: GapData;
let bodies: Record<string, Record<string, unknown>>;

const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  // PostgreSQL cannot store U+0000: text with a NUL inside.
  fc.tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 })).map(([a, b]) => `${a}\u0000${b}`),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({
    unit: fc.integer({ min: 0, max: 31 }).map((c) => String.fromCharCode(c)),
    maxLength: 20,
  }),
  fc.constantFrom(
    "'; DROP TABLE ratings; --",
    '" OR 1=1 --',
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "\u0000",
    "\uFFFF\uD800",
    "../../etc/passwd",
    "00000000-0000-0000-0000-000000000000",
    "x".repeat(100_000),
  ),
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -1, 0, 1e308, -0),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
);

/** A valid body with one field replaced, removed, or an extra one added; or any JSON at all. */
function hostileBody(valid: Record<string, unknown>) {
  const keys = Object.keys(valid);
  return fc.oneof(
    fc.tuple(fc.constantFrom(...keys), nasty).map(([key, value]) => ({ ...valid, [key]: value })),
    fc
      .constantFrom(...keys)
      .map((key) => Object.fromEntries(Object.entries(valid).filter(([k]) => k !== key))),
    fc
      .tuple(fc.string({ minLength: 1, maxLength: 12 }), nasty)
      .map(([key, value]) => ({ ...valid, [key]: value })),
    fc.jsonValue({ maxDepth: 3 }),
  );
}

async function ratingsCount() {
  const row = await db
    .selectFrom("ratings")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("organization_id", "=", g.organizationId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

beforeAll(async () => {
  g = await buildGapData();
  const ctx = await requireMember(buildRequest("/", { cookie: g.admin.cookie }), "admin");
  const { channel } = await setTeamChannel(ctx, g.teamT.id, { kind: "slack", url: "http://127.0.0.1:9/hook" });
  bodies = {
    "/ratings/self": {
      memberId: g.cat.membershipId,
      ratings: [
        {
          topicId: g.topic.b1,
          level: 2,
          note: "ok",
          evidence: ["https://example.com/pr/1"],
          baseRatingId: null,
        },
      ],
    },
    "/ratings/lead": {
      memberId: g.ben.membershipId,
      ratings: [{ topicId: g.topic.a1, level: 2, comment: "ok" }],
      validate: false,
    },
    "/mentorships": {
      mentorId: g.ann.membershipId,
      menteeId: g.dan.membershipId,
      topicId: g.topic.a1,
      goalLevel: 2,
      cadenceDays: 14,
      dueOn: null,
    },
    "/frameworks": { name: "Fuzzed", format: "markdown", content: "## A\n- a\n" },
    // Takes no body: whatever is sent is ignored.
    "/exports": {},
    "/members/{memberId}/plan/goals": {
      topicId: g.topic.b1,
      targetLevel: 3,
      dueCycleId: g.cycleId,
      actions: "ok",
      learningLinks: ["https://example.com/course"],
    },
    "/members/{memberId}/plan/comments": { body: "ok" },
    "/channels": { teamId: g.teamT.id, kind: "webhook", url: "https://hooks.example.com/gapmap" },
    // Nothing listens at port 9: a test message that gets through is refused there.
    "/channels/test": { teamId: g.teamT.id, channelId: channel.id },
    "/channels/remove": { teamId: g.teamT.id, channelId: channel.id },
  };
});

describe("hostile input to the API", () => {
  it("has a valid body to start from for every write", () => {
    const writes = API_ENDPOINTS.filter((e) => e.write).map((e) => e.path);
    expect(writes.toSorted()).toEqual(Object.keys(bodies).toSorted());
  });

  for (const template of [
    "/ratings/self",
    "/ratings/lead",
    "/mentorships",
    "/frameworks",
    "/members/{memberId}/plan/goals",
    "/members/{memberId}/plan/comments",
    "/channels",
    "/channels/test",
    "/channels/remove",
  ]) {
    it(`POST ${template}: never a 5xx, and no saved rating lost`, async () => {
      const path = template.replace("{memberId}", g.ben.membershipId);
      // One token per property keeps each under the per-minute rate limit.
      const { secret } = await apiToken(g.organizationId, g.admin.id);
      const before = await ratingsCount();
      await fc.assert(
        fc.asyncProperty(hostileBody(bodies[template]!), async (body) => {
          const response = await api(secret, "POST", path, { json: body });
          expect(response.status, JSON.stringify(body).slice(0, 300)).toBeLessThan(500);
          if (response.status >= 400) {
            expect(response.headers.get("Content-Type")).toBe("application/problem+json");
            expect(response.body.status).toBe(response.status);
          }
        }),
        { seed: SEED, numRuns: RUNS_PER_WRITE },
      );
      expect(await ratingsCount()).toBeGreaterThanOrEqual(before);
    });
  }

  it("list queries: never a 5xx whatever the parameters", async () => {
    const { secret } = await apiToken(g.organizationId, g.admin.id);
    const lists = API_ENDPOINTS.filter((e) => e.method === "GET" && e.query).map((e) => e.path);
    const names = [
      "limit",
      "cursor",
      "team",
      "role",
      "active",
      "member",
      "topic",
      "source",
      "history",
      "status",
      "category",
      "priority",
      "profile",
      "cycle",
      "against",
      "sort",
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...lists),
        fc.dictionary(
          fc.constantFrom(...names),
          nasty.map((v) => (typeof v === "string" ? v.slice(0, 2000) : JSON.stringify(v))),
          {
            maxKeys: 4,
          },
        ),
        async (path, query) => {
          const response = await api(secret, "GET", `${path}?${new URLSearchParams(query)}`);
          expect(response.status, `${path} ${JSON.stringify(query).slice(0, 300)}`).toBeLessThan(
            500,
          );
        },
      ),
      { seed: SEED, numRuns: RUNS_PER_QUERY * 4 },
    );
  });
});
