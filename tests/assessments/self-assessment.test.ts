import { describe, expect, it } from "vitest";
import { db } from "#db/database";
import { loadSelfAssessment, type Assessor } from "~/modules/assessments/self-assessment.server";
import * as assessmentRoute from "~/routes/_app.assessment";
import { addMember, createOrgWithAdmin } from "../support/factories";
import { buildRequest, call } from "../support/remix";

interface Conflict {
  topicId: string;
  theirs: { level: number | null; ratingId: number };
  yours: { level: number | null };
}
type Result = {
  ok?: boolean;
  message?: string;
  formError?: string;
  fieldErrors?: Record<string, string>;
  conflicts?: Conflict[];
  saved?: { topicId: string; ratingId: number }[];
  missing?: { topic_id: string; name: string; category_name: string }[];
};

/** An organisation with an open cycle on its default framework, and an engineer in it. */
async function openOrg(options: { staleAfterDays?: number } = {}) {
  const { organizationId, admin } = await createOrgWithAdmin();
  if (options.staleAfterDays) {
    await db
      .updateTable("organizations")
      .set({ stale_after_days: options.staleAfterDays })
      .where("id", "=", organizationId)
      .execute();
  }
  const eng = await addMember(organizationId);
  const { current_version_id } = await db
    .selectFrom("organizations as o")
    .innerJoin("frameworks as f", "f.id", "o.default_framework_id")
    .select("f.current_version_id")
    .where("o.id", "=", organizationId)
    .executeTakeFirstOrThrow();
  const versionId = current_version_id as string;
  const cycle = (name: string, status: "open" | "closed", startsOn: string, endsOn: string) =>
    db
      .insertInto("cycles")
      .values({
        organization_id: organizationId,
        framework_version_id: versionId,
        name,
        status,
        starts_on: startsOn,
        due_on: startsOn,
        ends_on: endsOn,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
  const q3 = await cycle("2026-Q3", "closed", "2026-07-01", "2026-09-30");
  const q4 = await cycle("2026-Q4", "open", "2026-10-01", "2026-12-31");
  const topics = await db
    .selectFrom("topic_revisions as t")
    .innerJoin("category_revisions as c", (j) =>
      j
        .onRef("c.framework_version_id", "=", "t.framework_version_id")
        .onRef("c.category_id", "=", "t.category_id"),
    )
    .select(["t.topic_id as id", "t.name", "c.category_id"])
    .where("t.framework_version_id", "=", versionId)
    .orderBy("c.position")
    .orderBy("t.position")
    .execute();
  const who: Assessor = { organizationId, memberId: eng.membershipId, userId: eng.id };
  return { organizationId, admin, eng, who, versionId, q3: q3.id, q4: q4.id, topics };
}

function post(cookie: string, form: Record<string, string>) {
  return call<Result>(assessmentRoute.action, buildRequest("/assessment", { cookie, form }));
}

/** The fields the form posts for one topic. */
function topicFields(
  topicId: string,
  level: string,
  base: number | "" = "",
  extra: Record<string, string> = {},
) {
  return {
    [`level.${topicId}`]: level,
    [`base.${topicId}`]: String(base),
    [`note.${topicId}`]: "",
    [`evidence.${topicId}`]: "",
    ...extra,
  };
}

async function selfRatings(memberId: string, topicId: string) {
  return db
    .selectFrom("ratings")
    .select(["id", "level", "cycle_id"])
    .where("member_id", "=", memberId)
    .where("topic_id", "=", topicId)
    .where("source", "=", "self")
    .orderBy("id")
    .execute();
}

describe("the self-assessment form", () => {
  it("saves a level as a new rating, and an unchanged save writes nothing", async () => {
    const { eng, topics, q4 } = await openOrg();
    const topic = topics[0]!;
    const first = await post(eng.cookie, topicFields(topic.id, "3"));
    expect(first.status).toBe(200);
    const rows = await selfRatings(eng.membershipId, topic.id);
    expect(rows).toEqual([{ id: rows[0]!.id, level: 3, cycle_id: q4 }]);
    expect(first.data.saved).toEqual([{ topicId: topic.id, ratingId: rows[0]!.id }]);

    const again = await post(eng.cookie, topicFields(topic.id, "3", rows[0]!.id));
    expect(again.status).toBe(200);
    expect(await selfRatings(eng.membershipId, topic.id)).toHaveLength(1);

    const na = await post(eng.cookie, topicFields(topic.id, "na", rows[0]!.id));
    expect(na.status).toBe(200);
    expect((await selfRatings(eng.membershipId, topic.id)).map((r) => r.level)).toEqual([3, null]);
  });

  it("saves and moves to the next category, confirming the save there", async () => {
    const { eng, topics } = await openOrg();
    const [first] = topics;
    const next = topics.find((t) => t.category_id !== first!.category_id)!;
    const moved = await post(eng.cookie, {
      ...topicFields(first!.id, "2"),
      next: next.category_id,
    });
    expect(moved.status).toBe(302);
    expect(moved.headers.get("Location")).toBe(`/assessment?category=${next.category_id}`);
    expect(moved.headers.get("Set-Cookie")).toMatch(/^gapmap_flash=/);
    expect((await selfRatings(eng.membershipId, first!.id)).map((r) => r.level)).toEqual([2]);
  });

  it("answers a later save from a second tab with a conflict showing the newer value, and overwrites nothing", async () => {
    const { eng, topics } = await openOrg();
    const topic = topics[1]!;
    const start = await post(eng.cookie, topicFields(topic.id, "1"));
    const base = start.data.saved![0]!.ratingId;

    // Both tabs opened the page at `base`. Tab A saves 3, then tab B saves 2.
    const tabA = await post(eng.cookie, topicFields(topic.id, "3", base));
    expect(tabA.status).toBe(200);
    const tabB = await post(eng.cookie, topicFields(topic.id, "2", base));
    expect(tabB.status).toBe(409);
    expect(tabB.data.formError).toContain(topic.name);
    expect(tabB.data.conflicts).toEqual([
      expect.objectContaining({
        topicId: topic.id,
        theirs: expect.objectContaining({ level: 3 }),
        yours: expect.objectContaining({ level: 2 }),
      }),
    ]);
    expect((await selfRatings(eng.membershipId, topic.id)).map((r) => r.level)).toEqual([1, 3]);

    // Having seen the newer value, tab B can save on top of it.
    const newer = tabB.data.conflicts![0]!;
    const retry = await post(eng.cookie, topicFields(topic.id, "2", newer.theirs.ratingId));
    expect(retry.status).toBe(200);
    expect((await selfRatings(eng.membershipId, topic.id)).map((r) => r.level)).toEqual([1, 3, 2]);
  });

  it("saves the other topics of a category post when one of them conflicts", async () => {
    const { eng, topics } = await openOrg();
    const [a, b] = [topics[2]!, topics[3]!];
    const start = await post(eng.cookie, topicFields(a.id, "1"));
    const base = start.data.saved![0]!.ratingId;
    await post(eng.cookie, topicFields(a.id, "4", base));
    const both = await post(eng.cookie, {
      ...topicFields(a.id, "2", base),
      ...topicFields(b.id, "3"),
    });
    expect(both.status).toBe(409);
    expect((await selfRatings(eng.membershipId, a.id)).map((r) => r.level)).toEqual([1, 4]);
    expect((await selfRatings(eng.membershipId, b.id)).map((r) => r.level)).toEqual([3]);
  });

  it("checks evidence links and the level beside the topic, and saves nothing from a bad post", async () => {
    const { eng, topics } = await openOrg();
    const [a, b] = [topics[0]!, topics[1]!];
    const bad = await post(eng.cookie, {
      ...topicFields(a.id, "3"),
      ...topicFields(b.id, "2", "", { [`evidence.${b.id}`]: "javascript:alert(1)" }),
    });
    expect(bad.status).toBe(422);
    expect(bad.data.fieldErrors?.[`evidence.${b.id}`]).toMatch(/full http\(s\) address/);
    const wrongLevel = await post(eng.cookie, topicFields(a.id, "7"));
    expect(wrongLevel.data.fieldErrors?.[`level.${a.id}`]).toMatch(/0 to 4/);
    expect(await selfRatings(eng.membershipId, a.id)).toEqual([]);

    const good = await post(
      eng.cookie,
      topicFields(a.id, "3", "", {
        [`evidence.${a.id}`]:
          "https://github.com/acme/api/pull/42\nhttps://docs.example.com/design",
      }),
    );
    expect(good.status).toBe(200);
    const row = await db
      .selectFrom("ratings")
      .select("evidence_urls")
      .where("member_id", "=", eng.membershipId)
      .where("topic_id", "=", a.id)
      .executeTakeFirstOrThrow();
    expect(row.evidence_urls).toEqual([
      "https://github.com/acme/api/pull/42",
      "https://docs.example.com/design",
    ]);
  });

  it("saves want-to-learn and can-mentor flags", async () => {
    const { eng, topics, who } = await openOrg();
    const topic = topics[4]!;
    await post(eng.cookie, {
      ...topicFields(topic.id, ""),
      [`flags.${topic.id}`]: "1",
      [`want.${topic.id}`]: "on",
    });
    let form = await loadSelfAssessment(who);
    let shown = form!.categories.flatMap((c) => c.topics).find((t) => t.id === topic.id)!;
    expect([shown.wantToLearn, shown.canMentor]).toEqual([true, false]);
    await post(eng.cookie, {
      ...topicFields(topic.id, ""),
      [`flags.${topic.id}`]: "1",
      [`mentor.${topic.id}`]: "on",
    });
    form = await loadSelfAssessment(who);
    shown = form!.categories.flatMap((c) => c.topics).find((t) => t.id === topic.id)!;
    expect([shown.wantToLearn, shown.canMentor]).toEqual([false, true]);
    // A category post carries every topic's boxes; unticked ones leave no rows behind.
    const others = topics.slice(5, 9);
    const post4: Record<string, string> = {};
    for (const t of others) Object.assign(post4, topicFields(t.id, ""), { [`flags.${t.id}`]: "1" });
    await post(eng.cookie, post4);
    const rows = await db
      .selectFrom("topic_flags")
      .select("topic_id")
      .where("member_id", "=", eng.membershipId)
      .execute();
    expect(rows.map((r) => r.topic_id)).toEqual([topic.id]);
  });

  it("refuses to submit until every topic has a level or N/A, listing what is missing", async () => {
    const { eng, topics } = await openOrg();
    const early = await post(eng.cookie, { intent: "submit" });
    expect(early.status).toBe(422);
    expect(early.data.missing).toHaveLength(topics.length);

    const all: Record<string, string> = {};
    for (const [i, t] of topics.entries())
      Object.assign(
        all,
        topicFields(t.id, i === topics.length - 1 ? "" : i % 7 === 0 ? "na" : String(i % 5)),
      );
    const almost = await post(eng.cookie, { ...all, intent: "submit" });
    expect(almost.status).toBe(422);
    expect(almost.data.missing?.map((m) => m.name)).toEqual([topics.at(-1)!.name]);

    const last = topics.at(-1)!;
    const done = await post(eng.cookie, { ...topicFields(last.id, "2"), intent: "submit" });
    expect(done.status).toBe(200);
    const status = await db
      .selectFrom("assessments")
      .select(["status", "submitted_at"])
      .where("member_id", "=", eng.membershipId)
      .executeTakeFirstOrThrow();
    expect(status.status).toBe("submitted");
    expect(status.submitted_at).not.toBeNull();

    // Submitted: locked until reopened.
    const locked = await post(eng.cookie, topicFields(topics[0]!.id, "4", ""));
    expect(locked.status).toBe(409);
    expect(locked.data.formError).toMatch(/Reopen it/);
    expect((await post(eng.cookie, { intent: "reopen" })).status).toBe(200);
    const reopened = await db
      .selectFrom("assessments")
      .select("status")
      .where("member_id", "=", eng.membershipId)
      .executeTakeFirstOrThrow();
    expect(reopened.status).toBe("draft");
  });

  it("counts ratings carried from last cycle as answered, and confirms a category unchanged in one go", async () => {
    const { organizationId, eng, topics, q3, q4, who } = await openOrg();
    const category = topics[0]!.category_id;
    const inCategory = topics.filter((t) => t.category_id === category);
    await db
      .insertInto("ratings")
      .values(
        inCategory.map((t) => ({
          organization_id: organizationId,
          cycle_id: q3,
          member_id: eng.membershipId,
          topic_id: t.id,
          source: "self" as const,
          level: 2,
          created_at: new Date("2026-08-01T10:00:00Z"),
        })),
      )
      .execute();
    let form = await loadSelfAssessment(who);
    let shown = form!.categories.find((c) => c.id === category)!;
    expect(shown).toMatchObject({
      answered: inCategory.length,
      carried: inCategory.length,
      confirmedThisCycle: 0,
    });

    const confirmed = await post(eng.cookie, { confirmCategory: category });
    expect(confirmed.status).toBe(200);
    expect(confirmed.data.message).toContain(`${inCategory.length} ratings confirmed`);
    form = await loadSelfAssessment(who);
    shown = form!.categories.find((c) => c.id === category)!;
    expect(shown).toMatchObject({ carried: 0, confirmedThisCycle: inCategory.length });
    expect(shown.topics.every((t) => t.current?.level === 2 && t.current.thisCycle)).toBe(true);
    const copies = await db
      .selectFrom("ratings")
      .select("id")
      .where("cycle_id", "=", q4)
      .where("member_id", "=", eng.membershipId)
      .execute();
    expect(copies).toHaveLength(inCategory.length);
  });

  it("marks a rating older than the organisation's setting stale, and re-confirms it in one click", async () => {
    const { organizationId, eng, topics, q3, who } = await openOrg({ staleAfterDays: 90 });
    const [old, fresh] = [topics[0]!, topics[1]!];
    const now = new Date("2026-11-25T12:00:00Z");
    await db
      .insertInto("ratings")
      .values([
        {
          organization_id: organizationId,
          cycle_id: q3,
          member_id: eng.membershipId,
          topic_id: old.id,
          source: "self",
          level: 3,
          created_at: new Date("2026-07-02T10:00:00Z"),
        },
        {
          organization_id: organizationId,
          cycle_id: q3,
          member_id: eng.membershipId,
          topic_id: fresh.id,
          source: "self",
          level: 1,
          created_at: new Date("2026-09-20T10:00:00Z"),
        },
      ])
      .execute();
    const before = (await loadSelfAssessment(who, now))!.categories.flatMap((c) => c.topics);
    expect(before.find((t) => t.id === old.id)?.stale).toBe(true);
    expect(before.find((t) => t.id === fresh.id)?.stale).toBe(false);

    const again = await post(eng.cookie, { reconfirm: old.id });
    expect(again.status).toBe(200);
    const after = (await loadSelfAssessment(who, now))!.categories
      .flatMap((c) => c.topics)
      .find((t) => t.id === old.id)!;
    expect(after.stale).toBe(false);
    expect(after.current).toMatchObject({ level: 3, thisCycle: true });
  });

  it("locks ratings once the cycle is closed, and shows no form without an open cycle", async () => {
    const { eng, topics, q4, who } = await openOrg();
    await db.updateTable("cycles").set({ status: "closed" }).where("id", "=", q4).execute();
    const late = await post(eng.cookie, topicFields(topics[0]!.id, "4"));
    expect(late.status).toBe(409);
    expect(late.data.formError).toMatch(/no open cycle/);
    expect(await selfRatings(eng.membershipId, topics[0]!.id)).toEqual([]);
    expect(await loadSelfAssessment(who)).toBeNull();
    const page = await call<{ assessment: unknown }>(
      assessmentRoute.loader,
      buildRequest("/assessment", { cookie: eng.cookie }),
    );
    expect(page.data.assessment).toBeNull();
  });

  it("never rates a retired topic or another organisation's topic", async () => {
    const { eng, topics, versionId, who } = await openOrg();
    const retired = topics[5]!;
    await db
      .updateTable("topic_revisions")
      .set({ retired: true })
      .where("framework_version_id", "=", versionId)
      .where("topic_id", "=", retired.id)
      .execute();
    expect((await post(eng.cookie, topicFields(retired.id, "2"))).status).toBe(404);

    const other = await openOrg();
    const foreign = other.topics[0]!;
    expect((await post(eng.cookie, topicFields(foreign.id, "2"))).status).toBe(404);
    expect(await selfRatings(eng.membershipId, foreign.id)).toEqual([]);
    const form = await loadSelfAssessment(who);
    const shown = form!.categories.flatMap((c) => c.topics);
    expect(shown.some((t) => t.id === retired.id)).toBe(false);
    expect(shown).toHaveLength(topics.length - 1);
  });

  it("needs a signed-in member", async () => {
    const page = await call(assessmentRoute.loader, buildRequest("/assessment"));
    expect(page.status).toBe(302);
    const save = await call(
      assessmentRoute.action,
      buildRequest("/assessment", { form: { intent: "submit" } }),
    );
    expect(save.status).toBe(302);
  });
});

describe("what each topic tells the member", () => {
  it("shows the target and priority of the member's own profile, and counts stale topics per category", async () => {
    const { organizationId, who, versionId, topics } = await openOrg({ staleAfterDays: 30 });
    const profile = await db
      .selectFrom("target_profiles")
      .select("id")
      .where("organization_id", "=", organizationId)
      .orderBy("position")
      .executeTakeFirstOrThrow();
    await db
      .updateTable("memberships")
      .set({ target_profile_id: profile.id })
      .where("id", "=", who.memberId)
      .execute();
    const first = topics[0]!;
    const target = await db
      .selectFrom("topic_targets")
      .select(["target_level", "priority"])
      .where("framework_version_id", "=", versionId)
      .where("target_profile_id", "=", profile.id)
      .where("topic_id", "=", first.id)
      .executeTakeFirstOrThrow();
    const closed = await db
      .selectFrom("cycles")
      .select("id")
      .where("organization_id", "=", organizationId)
      .where("status", "=", "closed")
      .executeTakeFirstOrThrow();
    await db
      .insertInto("ratings")
      .values({
        organization_id: organizationId,
        cycle_id: closed.id,
        member_id: who.memberId,
        topic_id: first.id,
        source: "self",
        level: 1,
        created_at: new Date(Date.now() - 90 * 86_400_000),
      })
      .execute();

    const view = await loadSelfAssessment(who);
    const topic = view!.categories[0]!.topics.find((t) => t.id === first.id)!;
    expect(topic.target).toEqual({ level: target.target_level, priority: target.priority });
    expect(topic.stale).toBe(true);
    expect(view!.categories[0]!.stale).toBe(1);
    expect(view!.categories.slice(1).every((c) => c.stale === 0)).toBe(true);

    // Without a profile there is no target.
    await db
      .updateTable("memberships")
      .set({ target_profile_id: null })
      .where("id", "=", who.memberId)
      .execute();
    const bare = await loadSelfAssessment(who);
    expect(bare!.categories[0]!.topics.every((t) => t.target === null)).toBe(true);
  });
});
