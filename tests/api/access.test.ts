import { beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { API_ENDPOINTS } from "~/modules/api/endpoints.server";
import { buildGapData, type GapData } from "../gaps/gap-data";
import { api, apiToken } from "../support/api-client";
import { addMember, createOrgWithAdmin } from "../support/factories";

// Who may call what: tokens of one organisation never reach another's objects; revoked,
// expired and orphaned tokens are refused; read-only tokens cannot write; every write is
// audited with its token; a token that calls too often is slowed down.

let a: GapData;
let b: Awaited<ReturnType<typeof createOrgWithAdmin>>;
let tokenA: string;
let tokenB: string;
let bIds: Record<
  | "memberId"
  | "teamId"
  | "frameworkId"
  | "cycleId"
  | "mentorshipId"
  | "reportId"
  | "topicId"
  | "profileId"
  | "exportId",
  string
>;

beforeAll(async () => {
  a = await buildGapData();
  b = await createOrgWithAdmin("Other Org");
  tokenA = (await apiToken(a.organizationId, a.admin.id)).secret;
  tokenB = (await apiToken(b.organizationId, b.admin.id)).secret;
  const bMember = await addMember(b.organizationId, "engineer", "Bea Other");
  const bFramework = await db
    .selectFrom("organizations as o")
    .innerJoin("frameworks as f", "f.id", "o.default_framework_id")
    .select(["f.id", "f.current_version_id"])
    .where("o.id", "=", b.organizationId)
    .executeTakeFirstOrThrow();
  const bTeam = await db
    .insertInto("teams")
    .values({ organization_id: b.organizationId, name: "B team" })
    .returning("id")
    .executeTakeFirstOrThrow();
  const bCycle = await db
    .insertInto("cycles")
    .values({
      organization_id: b.organizationId,
      framework_version_id: bFramework.current_version_id!,
      name: "B-Q4",
      status: "closed",
      starts_on: "2026-10-01",
      due_on: "2026-11-15",
      ends_on: "2026-12-31",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const bTopic = await db
    .selectFrom("topic_revisions")
    .select("topic_id")
    .where("framework_version_id", "=", bFramework.current_version_id!)
    .executeTakeFirstOrThrow();
  const bMentorship = await db
    .insertInto("mentorships")
    .values({
      organization_id: b.organizationId,
      mentor_id: b.admin.membershipId,
      mentee_id: bMember.membershipId,
      topic_id: bTopic.topic_id,
      goal_level: 3,
      cadence_days: 14,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const bReport = await db
    .insertInto("reports")
    .values({
      organization_id: b.organizationId,
      cycle_id: bCycle.id,
      framework_version_id: bFramework.current_version_id!,
      snapshot: JSON.stringify({}),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const bExport = await db
    .insertInto("organization_exports")
    .values({
      organization_id: b.organizationId,
      status: "ready",
      archive: Buffer.from("Bea Other B team"),
      expires_at: new Date(Date.now() + 86_400_000),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  bIds = {
    exportId: bExport.id,
    memberId: bMember.membershipId,
    teamId: bTeam.id,
    frameworkId: bFramework.id,
    cycleId: bCycle.id,
    mentorshipId: bMentorship.id,
    reportId: bReport.id,
    topicId: bTopic.topic_id,
    profileId: (
      await db
        .selectFrom("target_profiles")
        .select("id")
        .where("framework_id", "=", bFramework.id)
        .executeTakeFirstOrThrow()
    ).id,
  };
});

describe("tenant isolation", () => {
  it("answers 404 to organisation A's token on every one of organisation B's objects", async () => {
    const withParams = API_ENDPOINTS.filter((e) => e.method === "GET" && e.path.includes("{"));
    expect(withParams.length).toBeGreaterThanOrEqual(7);
    for (const endpoint of withParams) {
      const path = endpoint.path.replace(
        /\{(\w+)\}/g,
        (_, name: string) => bIds[name as keyof typeof bIds],
      );
      const response = await api(tokenA, "GET", path);
      expect(response.status, path).toBe(404);
      expect(JSON.stringify(response.body)).not.toMatch(/Bea Other|B team|B-Q4/);
    }
  });

  it("answers 404 to filters and bodies that name organisation B's objects", async () => {
    for (const path of [
      `/gaps?team=${bIds.teamId}`,
      `/gaps/heatmap?team=${bIds.teamId}`,
      `/gaps?category=${bIds.topicId}`,
    ]) {
      expect((await api(tokenA, "GET", path)).status, path).toBe(404);
    }
    // Filters that name B's objects find nothing in A.
    for (const path of [
      `/members?team=${bIds.teamId}`,
      `/ratings?member=${bIds.memberId}`,
      `/mentorships?member=${bIds.memberId}`,
    ]) {
      const response = await api(tokenA, "GET", path);
      expect(response.status, path).toBe(200);
      expect(response.body.data, path).toEqual([]);
    }
    const self = await api(tokenA, "POST", "/ratings/self", {
      json: { memberId: bIds.memberId, ratings: [{ topicId: bIds.topicId, level: 2 }] },
    });
    expect(self.status).toBe(404);
    const lead = await api(tokenA, "POST", "/ratings/lead", {
      json: { memberId: bIds.memberId, ratings: [{ topicId: bIds.topicId, level: 2 }] },
    });
    expect(lead.status).toBe(404);
    for (const path of [`/readiness?team=${bIds.teamId}`, `/readiness?against=${bIds.profileId}`]) {
      expect((await api(tokenA, "GET", path)).status, path).toBe(404);
    }
    const goal = await api(tokenA, "POST", `/members/${bIds.memberId}/plan/goals`, {
      json: { topicId: bIds.topicId, targetLevel: 2, dueCycleId: bIds.cycleId },
    });
    expect(goal.status).toBe(404);
    // A's own member, B's topic and cycle: not found in A, nothing saved.
    const mixed = await api(tokenA, "POST", `/members/${a.ben.membershipId}/plan/goals`, {
      json: { topicId: bIds.topicId, targetLevel: 2, dueCycleId: bIds.cycleId },
    });
    expect(mixed.status).toBe(422);
    expect(
      await db
        .selectFrom("development_plans")
        .select("id")
        .where("member_id", "in", [bIds.memberId, a.ben.membershipId])
        .execute(),
    ).toEqual([]);
    const comment = await api(tokenA, "POST", `/members/${bIds.memberId}/plan/comments`, {
      json: { body: "Hi" },
    });
    expect(comment.status).toBe(404);
    const mentorship = await api(tokenA, "POST", "/mentorships", {
      json: {
        mentorId: a.ann.membershipId,
        menteeId: bIds.memberId,
        topicId: bIds.topicId,
        goalLevel: 3,
        cadenceDays: 7,
      },
    });
    expect(mentorship.status).toBe(404);
    expect(
      await db.selectFrom("ratings").select("id").where("member_id", "=", bIds.memberId).execute(),
    ).toEqual([]);
  });

  it("answers 404 to a channel write naming organisation B's team or channel, and changes nothing there", async () => {
    const bChannel = await api(tokenB, "POST", "/channels", { json: { teamId: bIds.teamId, kind: "slack", url: "https://hooks.slack.com/services/B" } });
    expect(bChannel.status).toBe(201);
    const channelId = bChannel.body.channel.id as string;
    const set = await api(tokenA, "POST", "/channels", { json: { teamId: bIds.teamId, kind: "slack", url: "https://hooks.slack.com/services/A" } });
    expect(set.status).toBe(404);
    for (const path of ["/channels/test", "/channels/remove"]) {
      expect((await api(tokenA, "POST", path, { json: { teamId: bIds.teamId, channelId } })).status, path).toBe(404);
      expect((await api(tokenA, "POST", path, { json: { teamId: a.teamT.id, channelId } })).status, path).toBe(404);
    }
    const still = await api(tokenB, "GET", `/teams/${bIds.teamId}/channels`);
    expect(still.body.data).toEqual([expect.objectContaining({ id: channelId, host: "hooks.slack.com" })]);
  });

  it("lists only the token's own organisation", async () => {
    const members = await api(tokenB, "GET", "/members");
    expect(members.body.data.map((m: { name: string }) => m.name).toSorted()).toEqual([
      "Ada Admin",
      "Bea Other",
    ]);
    const reports = await api(tokenA, "GET", "/reports");
    expect(reports.body.data).toEqual([]);
  });
});

describe("tokens", () => {
  it("refuses a missing, malformed, unknown, revoked or expired token with 401 and the same message", async () => {
    const revoked = await apiToken(a.organizationId, a.admin.id, { revoked: true });
    const expired = await apiToken(a.organizationId, a.admin.id, {
      expiresAt: new Date(Date.now() - 1000),
    });
    const details = new Set<string>();
    for (const token of [null, "not-a-token", "gapmap_unknown", revoked.secret, expired.secret]) {
      const response = await api(token, "GET", "/members");
      expect(response.status).toBe(401);
      expect(response.headers.get("Content-Type")).toBe("application/problem+json");
      expect(response.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
      details.add(response.body.detail);
    }
    expect(details.size).toBe(1);
  });

  it("stops working when its creator is no longer an active admin", async () => {
    const lead = await addMember(a.organizationId, "admin", "Temp Admin");
    const token = await apiToken(a.organizationId, lead.id);
    expect((await api(token.secret, "GET", "/teams")).status).toBe(200);
    await db
      .updateTable("memberships")
      .set({ role: "lead" })
      .where("id", "=", lead.membershipId)
      .execute();
    expect((await api(token.secret, "GET", "/teams")).status).toBe(401);
  });

  it("lets a read-only token read but not write", async () => {
    const readOnly = await apiToken(a.organizationId, a.admin.id, { scope: "read" });
    expect((await api(readOnly.secret, "GET", "/members")).status).toBe(200);
    for (const endpoint of API_ENDPOINTS.filter((e) => e.write)) {
      const response = await api(readOnly.secret, endpoint.method, endpoint.path, { json: {} });
      expect(response.status, endpoint.path).toBe(403);
    }
  });

  it("records each write in the audit log with its token, and the token's last use", async () => {
    const token = await apiToken(a.organizationId, a.admin.id);
    const response = await api(token.secret, "POST", "/ratings/self", {
      json: { memberId: a.cat.membershipId, ratings: [{ topicId: a.topic.b1, level: 3 }] },
    });
    expect(response.status).toBe(200);
    const entries = await db
      .selectFrom("audit_log")
      .select(["action", "actor_token_id", "actor_user_id", "object_id"])
      .where("actor_token_id", "=", token.id)
      .execute();
    expect(entries).toEqual([
      {
        action: "api.saveSelfRatings",
        actor_token_id: token.id,
        actor_user_id: a.admin.id,
        object_id: a.cat.membershipId,
      },
    ]);
    const used = await db
      .selectFrom("api_tokens")
      .select("last_used_at")
      .where("id", "=", token.id)
      .executeTakeFirstOrThrow();
    expect(used.last_used_at).not.toBeNull();
  });

  it("limits each token's requests per minute, with Retry-After", async () => {
    const token = await apiToken(a.organizationId, a.admin.id);
    // The window is shared by every process: fill it in the database rather than with 600 calls.
    const windowStart = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    await db
      .insertInto("rate_limits")
      .values({ key: `api:${token.id}`, window_start: windowStart, hits: 599 })
      .execute();
    const last = await api(token.secret, "GET", "/teams");
    // The minute may have turned between the insert and the call; then the window is fresh.
    if (Math.floor(Date.now() / 60_000) * 60_000 === windowStart.getTime()) {
      expect(last.status).toBe(200);
      expect(last.headers.get("RateLimit-Remaining")).toBe("0");
      const over = await api(token.secret, "GET", "/teams");
      expect(over.status).toBe(429);
      expect(Number(over.headers.get("Retry-After"))).toBeGreaterThan(0);
      expect(over.body.title).toBe("Too many requests");
    } else expect(last.status).toBe(200);
    // Another token is not affected.
    expect((await api(tokenA, "GET", "/teams")).status).toBe(200);
  });
});

describe("HTTP behaviour", () => {
  it("answers 304 to a GET whose ETag the client holds, and a new ETag after a change", async () => {
    const first = await api(tokenA, "GET", `/teams/${a.teamU.id}`);
    const etag = first.headers.get("ETag")!;
    expect(etag).toMatch(/^".+"$/);
    const again = await api(tokenA, "GET", `/teams/${a.teamU.id}`, {
      headers: { "If-None-Match": etag },
    });
    expect(again.status).toBe(304);
    expect(again.body).toBe("");
    await db
      .updateTable("teams")
      .set({ name: "Team U renamed" })
      .where("id", "=", a.teamU.id)
      .execute();
    const changed = await api(tokenA, "GET", `/teams/${a.teamU.id}`, {
      headers: { "If-None-Match": etag },
    });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("ETag")).not.toBe(etag);
  });

  it("answers unknown paths 404, wrong methods 405, non-JSON bodies 415 and broken JSON 400", async () => {
    expect((await api(tokenA, "GET", "/nothing-here")).status).toBe(404);
    expect((await api(tokenA, "GET", "/members/%E0%A4%A")).status).toBe(404);
    const wrong = await api(tokenA, "POST", "/members", { json: {} });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("Allow")).toBe("GET");
    const form = await api(tokenA, "POST", "/mentorships", {
      body: "mentorId=x",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(form.status).toBe(415);
    const broken = await api(tokenA, "POST", "/mentorships", {
      body: '{"mentorId": ',
      headers: { "Content-Type": "application/json" },
    });
    expect(broken.status).toBe(400);
    expect(broken.body.detail).toBe("The body is not valid JSON.");
  });

  it("says which fields are wrong, and which query values", async () => {
    const body = await api(tokenA, "POST", "/mentorships", {
      json: {
        mentorId: a.ann.membershipId,
        menteeId: a.dan.membershipId,
        topicId: a.topic.a1,
        goalLevel: 9,
        cadenceDays: 7,
        extra: 1,
      },
    });
    expect(body.status).toBe(422);
    expect(body.body.errors).toEqual({
      goalLevel: expect.stringMatching(/4/),
      extra: "Unknown field.",
    });
    const query = await api(tokenA, "GET", "/ratings?source=robot&limit=9999");
    expect(query.status).toBe(400);
    expect(Object.keys(query.body.errors).toSorted()).toEqual(["limit", "source"]);
    const cursor = await api(tokenA, "GET", "/members?cursor=%%%");
    expect(cursor.status).toBe(400);
  });
});
