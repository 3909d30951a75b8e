import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { runExport } from "~/modules/organisation-data/export.server";
import { generateReport } from "~/modules/reports/generate-report.server";
import { buildGapData, showEveryFigure, type GapData } from "../gaps/gap-data";
import { api, apiToken, type ApiResponse } from "../support/api-client";
import { startReceiver } from "../support/http-receiver";

// Every endpoint, called for real on the hand-built organisation, answers what the served
// OpenAPI document says it answers: success bodies and problem bodies alike.

let g: GapData;
let token: string;
let doc: {
  paths: Record<
    string,
    Record<string, { operationId: string; responses: Record<string, unknown> }>
  >;
};
let ajv: Ajv2020;
const exercised = new Set<string>();

beforeAll(async () => {
  g = await buildGapData();
  await showEveryFigure(g.organizationId);
  token = (await apiToken(g.organizationId, g.admin.id)).secret;
  const served = await api(null, "GET", "/openapi.json");
  expect(served.status).toBe(200);
  doc = served.body;
  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema(doc, "openapi");
});

const pointer = (...parts: string[]) =>
  parts.map((p) => p.replace(/~/g, "~0").replace(/\//g, "~1")).join("/");

/** Checks the response against the document's schema for this operation and status. */
function conforms(path: string, method: string, response: ApiResponse) {
  const operation = doc.paths[path]?.[method.toLowerCase()];
  expect(operation, `${method} ${path} is in the document`).toBeDefined();
  const status = String(response.status);
  const declared = operation!.responses[status] as
    { content?: Record<string, unknown> } | undefined;
  expect(declared, `${method} ${path} declares ${status}`).toBeDefined();
  const mediaType = (response.headers.get("Content-Type") ?? "").split(";")[0]!;
  expect(Object.keys(declared!.content ?? {})).toContain(mediaType);
  if (mediaType.endsWith("json")) {
    const validate = ajv.getSchema(
      `openapi#/${pointer("paths", path, method.toLowerCase(), "responses", status, "content", mediaType, "schema")}`,
    )!;
    const valid = validate(response.body);
    expect(validate.errors ?? [], `${method} ${path} → ${status}`).toEqual([]);
    expect(valid).toBe(true);
  }
  if (response.status < 300) exercised.add(operation!.operationId);
}

async function check(method: string, template: string, path: string, json?: unknown) {
  const response = await api(token, method, path, json === undefined ? {} : { json });
  conforms(template, method, response);
  return response;
}

describe("the API answers what its OpenAPI document says", () => {
  it("is an OpenAPI 3.1 document with a bearer scheme and the problem schema", () => {
    expect(doc).toMatchObject({
      openapi: "3.1.0",
      components: { securitySchemes: { bearerToken: { type: "http", scheme: "bearer" } } },
    });
  });

  it("members and teams, paged by cursor", async () => {
    const first = await check("GET", "/members", "/members?limit=2");
    expect(first.body.data).toHaveLength(2);
    const seen = first.body.data.map((m: { id: string }) => m.id);
    let cursor = first.body.nextCursor;
    while (cursor) {
      const next = await check("GET", "/members", `/members?limit=2&cursor=${cursor}`);
      seen.push(...next.body.data.map((m: { id: string }) => m.id));
      cursor = next.body.nextCursor;
    }
    // Admin, Lee, Ann, Ben, Cat, Dan: each once.
    expect(new Set(seen).size).toBe(6);
    expect(seen).toHaveLength(6);

    const teamT = await check("GET", "/members", `/members?team=${g.teamT.id}`);
    expect(teamT.body.data.map((m: { name: string }) => m.name).toSorted()).toEqual([
      "Ann",
      "Ben",
      "Cat",
      "Lee Lead",
    ]);
    const ann = await check("GET", "/members/{memberId}", `/members/${g.ann.membershipId}`);
    expect(ann.body).toMatchObject({
      name: "Ann",
      role: "engineer",
      active: true,
      targetProfileId: g.senior,
      teams: [{ id: g.teamT.id, name: "Team T", isLead: false }],
    });

    const teams = await check("GET", "/teams", "/teams");
    expect(
      teams.body.data
        .map((t: { name: string; memberCount: number }) => [t.name, t.memberCount])
        .toSorted(),
    ).toEqual([
      ["Team T", 4],
      ["Team U", 1],
    ]);
    const team = await check("GET", "/teams/{teamId}", `/teams/${g.teamT.id}`);
    expect(
      team.body.members
        .filter((m: { isLead: boolean }) => m.isLead)
        .map((m: { name: string }) => m.name),
    ).toEqual(["Lee Lead"]);
  });

  it("frameworks, cycles, and a Markdown import", async () => {
    const list = await check("GET", "/frameworks", "/frameworks");
    const handBuilt = list.body.data.find((f: { name: string }) => f.name === "Hand-built");
    expect(handBuilt).toMatchObject({ isDefault: true, topicCount: 3, version: 1 });
    const framework = await check(
      "GET",
      "/frameworks/{frameworkId}",
      `/frameworks/${handBuilt.id}`,
    );
    expect(
      framework.body.categories.map((c: { name: string; topics: { name: string }[] }) => [
        c.name,
        c.topics.map((t) => t.name),
      ]),
    ).toEqual([
      ["A", ["a1", "a2"]],
      ["B", ["b1"]],
    ]);
    expect(framework.body.profiles).toEqual([
      {
        id: g.senior,
        name: "Senior",
        targets: expect.arrayContaining([
          { topicId: g.topic.a1, level: 3, priority: "must_have" },
          { topicId: g.topic.b1, level: 4, priority: "advanced" },
        ]),
      },
    ]);

    const imported = await check("POST", "/frameworks", "/frameworks", {
      name: "Data platform",
      format: "markdown",
      content: "## Storage\n- Postgres indexing\n- Backups\n## Streaming\n- Kafka basics\n",
    });
    expect(imported.status).toBe(201);
    expect(imported.body.categories.map((c: { topics: unknown[] }) => c.topics.length)).toEqual([
      2, 1,
    ]);
    const csv = await check("POST", "/frameworks", "/frameworks", {
      name: "From CSV",
      format: "csv",
      content: "category,topic\nOps,On-call\n",
    });
    expect(csv.status).toBe(201);
    expect(csv.body.profiles.map((p: { name: string }) => p.name)).toEqual(["Default"]);
    const badCsv = await check("POST", "/frameworks", "/frameworks", {
      name: "Bad CSV",
      format: "csv",
      content: "category,topic,Senior target,Senior priority\nOps,On-call,9,must_have\n",
    });
    expect(badCsv.status).toBe(422);
    expect(badCsv.body.errors.content).toMatch(/Row 2/);

    const cycles = await check("GET", "/cycles", "/cycles");
    expect(
      cycles.body.data.map((c: { name: string; status: string }) => [c.name, c.status]),
    ).toEqual([
      ["2026-Q4", "open"],
      ["2026-Q3", "closed"],
    ]);
    const open = cycles.body.data[0];
    const one = await check("GET", "/cycles/{cycleId}", `/cycles/${open.id}`);
    expect(one.body).toMatchObject({
      name: "2026-Q4",
      // Cat's draft, Ben's submitted assessment and Ann's validated one (tests/gaps/gap-data.ts).
      assessments: { draft: 1, submitted: 1, validated: 1 },
    });
  });

  it("gaps: the team's figures and the heatmap", async () => {
    const team = await check("GET", "/gaps", `/gaps?team=${g.teamT.id}`);
    expect(team.body.members).toBe(4);
    expect(team.body.busFactorRisks).toBe(2);
    expect(team.body.topGaps.map((t: { name: string }) => t.name)).toEqual(["a1", "b1", "a2"]);
    expect(team.body.topics.find((t: { name: string }) => t.name === "a1")).toMatchObject({
      withTarget: 3,
      met: 2,
      mentored: 1,
      capability: { minPeople: 2, minLevel: 3, atLevel: 2, met: true },
    });
    const org = await check("GET", "/gaps", "/gaps");
    expect(org.body.members).toBe(6);

    const heatmap = await check("GET", "/gaps/heatmap", `/gaps/heatmap?team=${g.teamT.id}`);
    expect(heatmap.body.topics.map((t: { name: string }) => t.name)).toEqual(["a1", "a2", "b1"]);
    const ann = heatmap.body.members.find((m: { name: string }) => m.name === "Ann");
    expect(ann.cells[0]).toMatchObject({
      level: 3,
      source: "lead",
      target: 3,
      priority: "must_have",
    });
    expect(heatmap.body.nextCursor).toBeNull();
  });

  it("ratings: the current ones, the history, and writes with the UI's rules", async () => {
    const current = await check(
      "GET",
      "/ratings",
      `/ratings?member=${g.cat.membershipId}&source=self`,
    );
    expect(
      current.body.data
        .map((r: { topicId: string; level: number }) => [r.topicId, r.level])
        .toSorted(),
    ).toEqual(
      [
        [g.topic.a1, 4],
        [g.topic.a2, 0],
      ].toSorted(),
    );

    const catA2 = current.body.data.find((r: { topicId: string }) => r.topicId === g.topic.a2);
    const saved = await check("POST", "/ratings/self", "/ratings/self", {
      memberId: g.cat.membershipId,
      ratings: [
        { topicId: g.topic.a2, level: 2, note: "Paired on it", baseRatingId: catA2.id },
        { topicId: g.topic.b1, level: null },
      ],
    });
    expect(saved.body.conflicts).toEqual([]);
    expect(saved.body.saved.map((s: { topicId: string }) => s.topicId).toSorted()).toEqual(
      [g.topic.a2, g.topic.b1].toSorted(),
    );

    // A stale base: the newer rating is kept and comes back as a conflict.
    const stale = await check("POST", "/ratings/self", "/ratings/self", {
      memberId: g.cat.membershipId,
      ratings: [{ topicId: g.topic.a2, level: 3, baseRatingId: catA2.id }],
    });
    expect(stale.body.conflicts).toMatchObject([
      { topicId: g.topic.a2, theirs: { level: 2 }, yours: { level: 3 } },
    ]);

    const history = await check(
      "GET",
      "/ratings",
      `/ratings?member=${g.cat.membershipId}&topic=${g.topic.a2}&history=true`,
    );
    expect(
      history.body.data.map((r: { source: string; level: number }) => `${r.source}:${r.level}`),
    ).toEqual(["self:0", "lead:1", "self:2"]);

    // A lead level from a stale base (b1 has no lead rating, the caller thought it had one) is
    // refused beside its item, and nothing is written.
    const staleLead = await check("POST", "/ratings/lead", "/ratings/lead", {
      memberId: g.ben.membershipId,
      ratings: [{ topicId: g.topic.b1, level: 4, baseRatingId: 999_999 }],
    });
    expect(staleLead.status).toBe(422);
    expect(staleLead.body.errors).toEqual({
      "ratings.0.level":
        "Changed since you opened this page: the lead level is now unset. Reload the page to see it; nothing was saved.",
    });

    const validated = await check("POST", "/ratings/lead", "/ratings/lead", {
      memberId: g.ben.membershipId,
      ratings: [
        { topicId: g.topic.a1, level: 2, comment: "Close" },
        { topicId: g.topic.a2, level: null },
        { topicId: g.topic.b1, level: 1 },
      ],
      validate: true,
    });
    expect(validated.body).toEqual({ ratingsAdded: 3, validated: true, withoutLeadLevel: 0 });

    // Cat's assessment is a draft: the same rule as the page.
    const draft = await check("POST", "/ratings/lead", "/ratings/lead", {
      memberId: g.cat.membershipId,
      ratings: [{ topicId: g.topic.a1, level: 3 }],
    });
    expect(draft.status).toBe(409);
    expect(draft.body.detail).toMatch(/not been submitted/);
  });

  it("mentorships: list, detail with check-ins, and a proposal", async () => {
    const list = await check("GET", "/mentorships", "/mentorships");
    expect(list.body.data).toHaveLength(1);
    const [active] = list.body.data;
    expect(active).toMatchObject({
      status: "active",
      mentor: { name: "Ann" },
      mentee: { name: "Ben" },
      goalLevel: 3,
    });
    await db
      .insertInto("check_ins")
      .values({
        organization_id: g.organizationId,
        mentorship_id: active.id,
        occurred_on: "2026-11-20",
        notes: "Went through EXPLAIN",
        level_estimate: 2,
      })
      .execute();
    const detail = await check("GET", "/mentorships/{mentorshipId}", `/mentorships/${active.id}`);
    expect(detail.body.checkInLog).toMatchObject([
      { occurredOn: "2026-11-20", notes: "Went through EXPLAIN", levelEstimate: 2 },
    ]);

    const proposed = await check("POST", "/mentorships", "/mentorships", {
      mentorId: g.ann.membershipId,
      menteeId: g.dan.membershipId,
      topicId: g.topic.a1,
      goalLevel: 2,
      cadenceDays: 14,
    });
    expect(proposed.status).toBe(201);
    expect(proposed.body).toMatchObject({
      status: "proposed",
      mentee: { name: "Dan" },
      levelBefore: 0,
    });

    const self = await check("POST", "/mentorships", "/mentorships", {
      mentorId: g.dan.membershipId,
      menteeId: g.dan.membershipId,
      topicId: g.topic.a1,
      goalLevel: 2,
      cadenceDays: 14,
    });
    expect(self.status).toBe(422);
    expect(self.body.errors).toEqual({ mentorId: "A person cannot mentor themselves." });
  });

  it("channels: connect a signed webhook (secret once), list, test, refuse plain http, remove", async () => {
    const receiver = await startReceiver();
    const created = await check("POST", "/channels", "/channels", { teamId: g.teamT.id, kind: "webhook", url: receiver.url() });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    const channelId = created.body.channel.id as string;
    const list = await check("GET", "/teams/{teamId}/channels", `/teams/${g.teamT.id}/channels`);
    expect(list.body.data).toEqual([expect.objectContaining({ id: channelId, kind: "webhook", host: new URL(receiver.url()).host, disabled: false })]);
    expect(JSON.stringify(list.body)).not.toContain("whsec_");
    const test = await check("POST", "/channels/test", "/channels/test", { teamId: g.teamT.id, channelId });
    expect(test.body).toEqual({ delivered: true, reason: null });
    expect(receiver.accepted()).toHaveLength(1);
    const plain = await check("POST", "/channels", "/channels", { teamId: g.teamT.id, kind: "slack", url: "http://hooks.example.com/x" });
    expect(plain.status).toBe(422);
    expect(plain.body.errors.url).toMatch(/https:\/\//);
    const removed = await check("POST", "/channels/remove", "/channels/remove", { teamId: g.teamT.id, channelId });
    expect(removed.body).toEqual({ removed: true });
    expect((await check("GET", "/teams/{teamId}/channels", `/teams/${g.teamT.id}/channels`)).body.data).toEqual([]);
  });

  it("reports: list, the frozen summary, and the CSV", async () => {
    const q3 = await db
      .selectFrom("cycles")
      .select("id")
      .where("organization_id", "=", g.organizationId)
      .where("status", "=", "closed")
      .executeTakeFirstOrThrow();
    const reportId = await generateReport({
      organizationId: g.organizationId,
      cycleId: q3.id,
      teamId: g.teamT.id,
      generatedByUserId: g.admin.id,
    });
    const list = await check("GET", "/reports", "/reports");
    expect(list.body.data).toMatchObject([
      { id: reportId, team: { name: "Team T" }, cycle: "2026-Q3" },
    ]);
    const report = await check("GET", "/reports/{reportId}", `/reports/${reportId}`);
    expect(report.body.summary.scope).toMatchObject({ teamName: "Team T", cycleName: "2026-Q3" });
    const csv = await check("GET", "/reports/{reportId}/csv", `/reports/${reportId}/csv`);
    expect(csv.headers.get("Content-Type")).toMatch(/^text\/csv/);
    expect(csv.body.split("\n")[0]).toBe(
      "cycle,previous_cycle,scope,member,category,topic,priority,target_level,level_before,level_after,delta,change,mentored",
    );
  });

  it("growth: a member's readiness, the team table and a plan", async () => {
    // A fresh hand-built set (the tests above change this one's ratings). It has one profile,
    // Senior: everyone with it is measured against it.
    const h = await buildGapData();
    const hToken = (await apiToken(h.organizationId, h.admin.id)).secret;
    const check = async (method: string, template: string, path: string, json?: unknown) => {
      const response = await api(hToken, method, path, json === undefined ? {} : { json });
      conforms(template, method, response);
      return response;
    };
    const ben = await check(
      "GET",
      "/members/{memberId}/readiness",
      `/members/${h.ben.membershipId}/readiness`,
    );
    expect(ben.body.readiness).toMatchObject({
      profile: { id: h.senior, name: "Senior" },
      mustHave: { met: 0, total: 1 },
      goodToHave: { met: 0, total: 0 },
      advanced: { met: 0, total: 1 },
      score: 9,
      ready: false,
    });
    expect(
      ben.body.readiness.blocking.map((b: { name: string; score: number }) => [b.name, b.score]),
    ).toEqual([
      ["a1", 6],
      ["b1", 3],
    ]);
    expect(
      ben.body.trend.map((p: { cycleName: string; score: number }) => [p.cycleName, p.score]),
    ).toEqual([
      ["2026-Q3", 0],
      ["2026-Q4", 9],
    ]);
    const table = await check("GET", "/readiness", `/readiness?team=${h.teamT.id}&sort=gap`);
    expect(
      table.body.members.map((m: { displayName: string; score: number }) => [
        m.displayName,
        m.score,
      ]),
    ).toEqual([
      ["Ben", 9],
      ["Cat", 2],
      ["Ann", 0],
      ["Lee Lead", 0],
    ]);
    expect(table.body.ready).toBe(2);

    const none = await check(
      "GET",
      "/members/{memberId}/plan",
      `/members/${h.ben.membershipId}/plan`,
    );
    expect(none.body.plan).toBeNull();
    const goal = await check(
      "POST",
      "/members/{memberId}/plan/goals",
      `/members/${h.ben.membershipId}/plan/goals`,
      {
        topicId: h.topic.a1,
        targetLevel: 3,
        dueCycleId: h.cycleId,
        learningLinks: ["https://example.com/indexes"],
      },
    );
    expect(goal.status).toBe(201);
    expect(goal.body.plan.goals).toMatchObject([
      { topicName: "a1", targetLevel: 3, level: 1, met: false },
    ]);
    const badLink = await check(
      "POST",
      "/members/{memberId}/plan/goals",
      `/members/${h.ben.membershipId}/plan/goals`,
      {
        topicId: h.topic.b1,
        targetLevel: 4,
        dueCycleId: h.cycleId,
        learningLinks: ["javascript:alert(1)"],
      },
    );
    expect(badLink.status).toBe(422);
    expect(badLink.body.errors).toEqual({
      "learningLinks.0": "Links must be web addresses starting with http:// or https://.",
    });
    const tooHigh = await check(
      "POST",
      "/members/{memberId}/plan/goals",
      `/members/${h.ben.membershipId}/plan/goals`,
      {
        topicId: h.topic.b1,
        targetLevel: 5,
        dueCycleId: h.cycleId,
      },
    );
    expect(tooHigh.status).toBeGreaterThanOrEqual(400);
    expect(Object.keys(tooHigh.body.errors)).toEqual(["targetLevel"]);
    const comment = await check(
      "POST",
      "/members/{memberId}/plan/comments",
      `/members/${h.ben.membershipId}/plan/comments`,
      { body: "Index first" },
    );
    expect(comment.status).toBe(201);
    const plan = await check(
      "GET",
      "/members/{memberId}/plan",
      `/members/${h.ben.membershipId}/plan`,
    );
    expect(plan.body.plan.goals).toHaveLength(1);
    expect(plan.body.plan.comments).toMatchObject([{ author: "Ada Admin", body: "Index first" }]);
  });

  it("problems are problem+json as documented", async () => {
    conforms("/members/{memberId}", "GET", await api(token, "GET", "/members/not-a-uuid"));
    conforms("/members", "GET", await api(token, "GET", "/members?limit=0"));
    conforms("/members", "GET", await api("gapmap_nope", "GET", "/members"));
    conforms(
      "/ratings/self",
      "POST",
      await api(token, "POST", "/ratings/self", { json: { memberId: 1 } }),
    );
    conforms(
      "/ratings/self",
      "POST",
      await api(token, "POST", "/ratings/self", {
        body: "{",
        headers: { "Content-Type": "application/json" },
      }),
    );
  });

  it("organisation data: start an export, follow it, fetch the archive", async () => {
    const started = await check("POST", "/exports", "/exports");
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ status: "queued", progress: 0 });
    // The worker's job, run here.
    await runExport(started.body.id);
    const ready = await check("GET", "/exports/{exportId}", `/exports/${started.body.id}`);
    expect(ready.body).toMatchObject({ status: "ready", progress: 100 });
    expect(ready.body.counts.ratings).toBeGreaterThan(0);
    const archive = await check(
      "GET",
      "/exports/{exportId}/archive",
      `/exports/${started.body.id}/archive`,
    );
    expect(archive.headers.get("Content-Type")).toBe("application/gzip");
    expect(archive.headers.get("Content-Disposition")).toMatch(
      /attachment; filename="gapmap-.*\.tar\.gz"/,
    );
    conforms(
      "/exports/{exportId}",
      "GET",
      await api(token, "GET", "/exports/00000000-0000-4000-8000-000000000000"),
    );
  });

  it("has exercised every operation in the document", () => {
    const all = Object.values(doc.paths).flatMap((methods) =>
      Object.values(methods).map((op) => op.operationId),
    );
    expect(all.filter((id) => !exercised.has(id))).toEqual([]);
  });
});
