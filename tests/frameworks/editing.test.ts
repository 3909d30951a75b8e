import { describe, expect, it } from "vitest";
import { db } from "#db/database";
import * as editor from "~/routes/_app.admin.frameworks.$frameworkId";
import * as list from "~/routes/_app.admin.frameworks._index";
import * as teamRoute from "~/routes/_app.admin.teams.$teamId";
import * as topicLevels from "~/routes/_app.admin.frameworks.$frameworkId_.topics.$topicId";
import { levelDescriptorsForVersion } from "~/modules/frameworks/level-descriptors.server";
import * as profileRoute from "~/routes/_app.admin.frameworks.$frameworkId_.profiles.$profileId";
import { addMember, createOrgWithAdmin, createTeamRow } from "../support/factories";
import { buildRequest, call } from "../support/remix";

type Result = {
  ok?: boolean;
  message?: string;
  formError?: string;
  fieldErrors?: Record<string, string>;
};

async function setUp() {
  const { organizationId, admin } = await createOrgWithAdmin();
  const org = await db
    .selectFrom("organizations as o")
    .innerJoin("frameworks as f", "f.id", "o.default_framework_id")
    .select(["f.id", "f.current_version_id"])
    .where("o.id", "=", organizationId)
    .executeTakeFirstOrThrow();
  const frameworkId = org.id;
  const v1 = org.current_version_id as string;
  const topics = await db
    .selectFrom("topic_revisions")
    .select(["topic_id", "name", "category_id", "position"])
    .where("framework_version_id", "=", v1)
    .orderBy("category_id")
    .orderBy("position")
    .execute();
  const first = topics.filter((t) => t.category_id === topics[0]!.category_id);
  const post = (form: Record<string, string>, cookie = admin.cookie, id = frameworkId) =>
    call<Result>(editor.action, buildRequest(`/admin/frameworks/${id}`, { cookie, form }), {
      frameworkId: id,
    });
  return { organizationId, admin, frameworkId, v1, topics: first, post };
}

async function current(frameworkId: string) {
  const f = await db
    .selectFrom("frameworks")
    .select("current_version_id")
    .where("id", "=", frameworkId)
    .executeTakeFirstOrThrow();
  return f.current_version_id as string;
}

async function revision(versionId: string, topicId: string) {
  return db
    .selectFrom("topic_revisions")
    .select(["name", "description", "position", "retired"])
    .where("framework_version_id", "=", versionId)
    .where("topic_id", "=", topicId)
    .executeTakeFirstOrThrow();
}

describe("framework editing and versions", () => {
  it("edits a version no cycle uses in place", async () => {
    const { frameworkId, v1, topics, post } = await setUp();
    const result = await post({
      intent: "update",
      topicId: topics[0]!.topic_id,
      name: "Event loop in depth",
      description: "Phases and microtasks",
    });
    expect(result.status).toBe(200);
    expect(result.data.message).toBe("Saved.");
    expect(await current(frameworkId)).toBe(v1);
    expect(await revision(v1, topics[0]!.topic_id)).toMatchObject({
      name: "Event loop in depth",
      description: "Phases and microtasks",
    });
  });

  it("copies a version used by a cycle into a new one, so ratings keep the wording they were made under", async () => {
    const { organizationId, admin, frameworkId, v1, topics, post } = await setUp();
    const cycle = await db
      .insertInto("cycles")
      .values({
        organization_id: organizationId,
        framework_version_id: v1,
        name: "2026-Q3",
        status: "closed",
        starts_on: "2026-07-01",
        due_on: "2026-07-22",
        ends_on: "2026-09-30",
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const topic = topics[0]!;
    await db
      .insertInto("ratings")
      .values({
        organization_id: organizationId,
        cycle_id: cycle.id,
        member_id: admin.membershipId,
        topic_id: topic.topic_id,
        source: "self",
        level: 3,
      })
      .execute();
    const counts = async (versionId: string) =>
      Promise.all(
        (["topic_revisions", "category_revisions", "topic_targets"] as const).map(async (table) =>
          Number(
            (
              await db
                .selectFrom(table)
                .select(db.fn.countAll().as("n"))
                .where("framework_version_id", "=", versionId)
                .executeTakeFirstOrThrow()
            ).n,
          ),
        ),
      );
    const before = await counts(v1);

    const result = await post({
      intent: "update",
      topicId: topic.topic_id,
      name: "Renamed topic",
      description: "",
    });
    expect(result.data.message).toMatch(/new version/);
    const v2 = await current(frameworkId);
    expect(v2).not.toBe(v1);
    expect(await counts(v2)).toEqual(before);
    expect(await counts(v1)).toEqual(before);
    expect((await revision(v1, topic.topic_id)).name).toBe(topic.name);
    expect((await revision(v2, topic.topic_id)).name).toBe("Renamed topic");

    // The rating still reads in the wording of its cycle's version.
    const rated = await db
      .selectFrom("ratings as r")
      .innerJoin("cycles as c", "c.id", "r.cycle_id")
      .innerJoin("topic_revisions as t", (j) =>
        j
          .onRef("t.framework_version_id", "=", "c.framework_version_id")
          .onRef("t.topic_id", "=", "r.topic_id"),
      )
      .select(["t.name", "r.level"])
      .where("r.cycle_id", "=", cycle.id)
      .executeTakeFirstOrThrow();
    expect(rated).toEqual({ name: topic.name, level: 3 });

    // Further edits change the new, unused version in place.
    await post({ intent: "retire", topicId: topics[1]!.topic_id });
    expect(await current(frameworkId)).toBe(v2);
    const versions = await db
      .selectFrom("framework_versions")
      .select("number")
      .where("framework_id", "=", frameworkId)
      .orderBy("number")
      .execute();
    expect(versions.map((v) => v.number)).toEqual([1, 2]);
  });

  it("retires and restores a topic, keeping it in the version", async () => {
    const { v1, topics, post } = await setUp();
    await post({ intent: "retire", topicId: topics[2]!.topic_id });
    expect((await revision(v1, topics[2]!.topic_id)).retired).toBe(true);
    await post({ intent: "restore", topicId: topics[2]!.topic_id });
    expect((await revision(v1, topics[2]!.topic_id)).retired).toBe(false);
  });

  it("reorders topics within their category", async () => {
    const { v1, topics, post } = await setUp();
    const [a, b] = [topics[0]!, topics[1]!];
    await post({ intent: "down", topicId: a.topic_id });
    expect((await revision(v1, a.topic_id)).position).toBe(b.position);
    expect((await revision(v1, b.topic_id)).position).toBe(a.position);
  });

  it("adds a topic at the end of its category with a target for every profile", async () => {
    const { frameworkId, v1, topics, post } = await setUp();
    const result = await post({
      intent: "add",
      categoryId: topics[0]!.category_id,
      name: "Diagnostics channel",
      description: "",
    });
    expect(result.status).toBe(200);
    const added = await db
      .selectFrom("topic_revisions")
      .select(["topic_id", "position"])
      .where("framework_version_id", "=", v1)
      .where("name", "=", "Diagnostics channel")
      .executeTakeFirstOrThrow();
    expect(added.position).toBe(Math.max(...topics.map((t) => t.position)) + 1);
    const profiles = await db
      .selectFrom("target_profiles")
      .select("id")
      .where("framework_id", "=", frameworkId)
      .execute();
    const targets = await db
      .selectFrom("topic_targets")
      .select(["target_level", "priority"])
      .where("topic_id", "=", added.topic_id)
      .execute();
    expect(targets).toHaveLength(profiles.length);
    expect(targets.every((t) => t.target_level === 2 && t.priority === "good_to_have")).toBe(true);
  });

  it("refuses a duplicate or empty name beside the field and saves nothing", async () => {
    const { v1, topics, post } = await setUp();
    const dup = await post({
      intent: "update",
      topicId: topics[0]!.topic_id,
      name: topics[1]!.name.toUpperCase(),
      description: "",
    });
    expect(dup.status).toBe(409);
    expect(dup.data.fieldErrors?.name).toMatch(/already has a topic/);
    const empty = await post({
      intent: "add",
      categoryId: topics[0]!.category_id,
      name: "  ",
      description: "",
    });
    expect(empty.status).toBe(422);
    expect(empty.data.fieldErrors?.name).toMatch(/name/);
    expect((await revision(v1, topics[0]!.topic_id)).name).toBe(topics[0]!.name);
  });

  it("makes another framework the default, re-pointing members' target profiles by name", async () => {
    const { organizationId, admin } = await setUp();
    const eng = await addMember(organizationId);
    const senior = await db
      .selectFrom("target_profiles")
      .select("id")
      .where("organization_id", "=", organizationId)
      .where("name", "like", "Senior%")
      .executeTakeFirstOrThrow();
    await db
      .updateTable("memberships")
      .set({ target_profile_id: senior.id })
      .where("id", "=", eng.membershipId)
      .execute();
    const other = await db
      .insertInto("frameworks")
      .values({ organization_id: organizationId, name: "Frontend" })
      .returning("id")
      .executeTakeFirstOrThrow();
    const v = await db
      .insertInto("framework_versions")
      .values({ organization_id: organizationId, framework_id: other.id, number: 1 })
      .returning("id")
      .executeTakeFirstOrThrow();
    await db
      .updateTable("frameworks")
      .set({ current_version_id: v.id })
      .where("id", "=", other.id)
      .execute();
    const seniorName = (
      await db
        .selectFrom("target_profiles")
        .select("name")
        .where("id", "=", senior.id)
        .executeTakeFirstOrThrow()
    ).name;
    const twin = await db
      .insertInto("target_profiles")
      .values({ organization_id: organizationId, framework_id: other.id, name: seniorName })
      .returning("id")
      .executeTakeFirstOrThrow();

    const result = await call<Result>(
      list.action,
      buildRequest("/admin/frameworks", { cookie: admin.cookie, form: { frameworkId: other.id } }),
    );
    expect(result.status).toBe(200);
    const org = await db
      .selectFrom("organizations")
      .select("default_framework_id")
      .where("id", "=", organizationId)
      .executeTakeFirstOrThrow();
    expect(org.default_framework_id).toBe(other.id);
    const m = await db
      .selectFrom("memberships")
      .select("target_profile_id")
      .where("id", "=", eng.membershipId)
      .executeTakeFirstOrThrow();
    expect(m.target_profile_id).toBe(twin.id);
  });

  it("is for admins only; another organisation's framework or topic is not found", async () => {
    const { organizationId, frameworkId, topics, post } = await setUp();
    const lead = await addMember(organizationId, "lead");
    const eng = await addMember(organizationId, "engineer");
    for (const cookie of [lead.cookie, eng.cookie]) {
      expect(
        (
          await call(editor.loader, buildRequest(`/admin/frameworks/${frameworkId}`, { cookie }), {
            frameworkId,
          })
        ).status,
      ).toBe(403);
      expect((await post({ intent: "retire", topicId: topics[0]!.topic_id }, cookie)).status).toBe(
        403,
      );
      expect((await call(list.loader, buildRequest("/admin/frameworks", { cookie }))).status).toBe(
        403,
      );
    }
    const other = await createOrgWithAdmin();
    expect(
      (
        await call(
          editor.loader,
          buildRequest(`/admin/frameworks/${frameworkId}`, { cookie: other.admin.cookie }),
          { frameworkId },
        )
      ).status,
    ).toBe(404);
    expect(
      (await post({ intent: "retire", topicId: topics[0]!.topic_id }, other.admin.cookie)).status,
    ).toBe(404);
    expect(
      (
        await call(
          list.action,
          buildRequest("/admin/frameworks", { cookie: other.admin.cookie, form: { frameworkId } }),
        )
      ).status,
    ).toBe(404);
    // Their own framework with our topic id: the topic is not in their version.
    const theirs = await db
      .selectFrom("organizations")
      .select("default_framework_id")
      .where("id", "=", other.organizationId)
      .executeTakeFirstOrThrow();
    expect(
      (
        await post(
          { intent: "retire", topicId: topics[0]!.topic_id },
          other.admin.cookie,
          theirs.default_framework_id as string,
        )
      ).status,
    ).toBe(404);
    const listed = await call<{ frameworks: { id: string }[] }>(
      list.loader,
      buildRequest("/admin/frameworks", { cookie: other.admin.cookie }),
    );
    expect(listed.data.frameworks.map((f) => f.id)).toEqual([theirs.default_framework_id]);
  });
});

describe("target profiles", () => {
  async function profileSetUp() {
    const base = await setUp();
    const senior = await db
      .selectFrom("target_profiles")
      .select(["id", "name"])
      .where("framework_id", "=", base.frameworkId)
      .where("name", "like", "Senior%")
      .executeTakeFirstOrThrow();
    const path = `/admin/frameworks/${base.frameworkId}/profiles/${senior.id}`;
    const params = { frameworkId: base.frameworkId, profileId: senior.id };
    const postGrid = (form: Record<string, string>, cookie = base.admin.cookie) =>
      call<Result>(profileRoute.action, buildRequest(path, { cookie, form }), params);
    const target = (versionId: string, topicId: string) =>
      db
        .selectFrom("topic_targets")
        .select(["target_level", "priority"])
        .where("framework_version_id", "=", versionId)
        .where("target_profile_id", "=", senior.id)
        .where("topic_id", "=", topicId)
        .executeTakeFirstOrThrow();
    return { ...base, senior, path, params, postGrid, target };
  }

  it("saves a profile's grid, and refuses a bad cell beside it without saving the rest", async () => {
    const { v1, topics, postGrid, target } = await profileSetUp();
    const [a, b] = [topics[0]!.topic_id, topics[1]!.topic_id];
    const ok = await postGrid({
      [`level.${a}`]: "4",
      [`priority.${a}`]: "advanced",
      [`level.${b}`]: "1",
      [`priority.${b}`]: "good_to_have",
    });
    expect(ok.status).toBe(200);
    expect(await target(v1, a)).toEqual({ target_level: 4, priority: "advanced" });
    expect(await target(v1, b)).toEqual({ target_level: 1, priority: "good_to_have" });

    const bad = await postGrid({
      [`level.${a}`]: "2",
      [`priority.${a}`]: "must_have",
      [`level.${b}`]: "9",
      [`priority.${b}`]: "urgent",
    });
    expect(bad.status).toBe(422);
    expect(bad.data.fieldErrors?.[`level.${b}`]).toMatch(/0 to 4/);
    expect(bad.data.fieldErrors?.[`priority.${b}`]).toMatch(/must-have/);
    expect(await target(v1, a)).toEqual({ target_level: 4, priority: "advanced" });
  });

  it("bulk-sets every non-retired topic of a category", async () => {
    const { v1, topics, postGrid, target, post } = await profileSetUp();
    await post({ intent: "retire", topicId: topics[0]!.topic_id });
    const before = await target(v1, topics[0]!.topic_id);
    const result = await postGrid({
      intent: "bulk",
      categoryId: topics[0]!.category_id,
      level: "3",
      priority: "must_have",
    });
    expect(result.status).toBe(200);
    for (const t of topics.slice(1))
      expect(await target(v1, t.topic_id)).toEqual({ target_level: 3, priority: "must_have" });
    expect(await target(v1, topics[0]!.topic_id)).toEqual(before);
  });

  it("adds a profile with a target on every topic, refusing a duplicate name", async () => {
    const { frameworkId, v1, senior, post } = await profileSetUp();
    expect((await post({ intent: "add-profile", name: "Staff (10+ yrs)" })).status).toBe(200);
    const staff = await db
      .selectFrom("target_profiles")
      .select("id")
      .where("framework_id", "=", frameworkId)
      .where("name", "=", "Staff (10+ yrs)")
      .executeTakeFirstOrThrow();
    const [targets, topicCount] = await Promise.all([
      db
        .selectFrom("topic_targets")
        .select(db.fn.countAll<number>().as("n"))
        .where("target_profile_id", "=", staff.id)
        .where("framework_version_id", "=", v1)
        .executeTakeFirstOrThrow(),
      db
        .selectFrom("topic_revisions")
        .select(db.fn.countAll<number>().as("n"))
        .where("framework_version_id", "=", v1)
        .executeTakeFirstOrThrow(),
    ]);
    expect(Number(targets.n)).toBe(Number(topicCount.n));
    const dup = await post({ intent: "add-profile", name: senior.name.toLowerCase() });
    expect(dup.status).toBe(409);
    expect(dup.data.fieldErrors?.name).toMatch(/already has a profile/);
  });

  it("is for admins of the organisation only", async () => {
    const { organizationId, path, params, postGrid, topics } = await profileSetUp();
    const eng = await addMember(organizationId);
    expect(
      (await call(profileRoute.loader, buildRequest(path, { cookie: eng.cookie }), params)).status,
    ).toBe(403);
    const other = await createOrgWithAdmin();
    expect(
      (await call(profileRoute.loader, buildRequest(path, { cookie: other.admin.cookie }), params))
        .status,
    ).toBe(404);
    const a = topics[0]!.topic_id;
    expect(
      (await postGrid({ [`level.${a}`]: "0", [`priority.${a}`]: "advanced" }, other.admin.cookie))
        .status,
    ).toBe(404);
  });
});

describe("categories", () => {
  it("adds, renames and reorders categories, and moves a topic to another one", async () => {
    const { v1, topics, post } = await setUp();
    const categoryId = topics[0]!.category_id;
    const added = await post({
      intent: "add-category",
      name: "Observability",
      description: "Tracing and metrics",
    });
    expect(added.status).toBe(200);
    const cats = await db
      .selectFrom("category_revisions")
      .select(["category_id", "name", "position"])
      .where("framework_version_id", "=", v1)
      .orderBy("position")
      .execute();
    const observability = cats.at(-1)!;
    expect(observability.name).toBe("Observability");

    await post({ intent: "category-up", categoryId: observability.category_id });
    const moved = await db
      .selectFrom("category_revisions")
      .select("position")
      .where("framework_version_id", "=", v1)
      .where("category_id", "=", observability.category_id)
      .executeTakeFirstOrThrow();
    expect(moved.position).toBe(cats.at(-2)!.position);

    const renamed = await post({
      intent: "update-category",
      categoryId,
      name: "Node.js core",
      description: "",
    });
    expect(renamed.status).toBe(200);
    const dup = await post({
      intent: "update-category",
      categoryId,
      name: "observability",
      description: "",
    });
    expect(dup.data.fieldErrors?.name).toMatch(/already has a category/);

    const topic = topics[0]!;
    expect(
      (
        await post({
          intent: "recategorise",
          topicId: topic.topic_id,
          categoryId: observability.category_id,
        })
      ).status,
    ).toBe(200);
    const now = await db
      .selectFrom("topic_revisions")
      .select(["category_id", "position"])
      .where("framework_version_id", "=", v1)
      .where("topic_id", "=", topic.topic_id)
      .executeTakeFirstOrThrow();
    expect(now).toEqual({ category_id: observability.category_id, position: 0 });
  });
});

describe("level descriptors", () => {
  it("lets an admin reword the organisation's scale, with every level required", async () => {
    const { organizationId, admin } = await setUp();
    const form: Record<string, string> = { intent: "levels" };
    for (const level of [0, 1, 2, 3, 4])
      Object.assign(form, {
        [`label.${level}`]: `L${level}`,
        [`description.${level}`]: `Means ${level}`,
      });
    expect(
      (
        await call<Result>(
          list.action,
          buildRequest("/admin/frameworks", { cookie: admin.cookie, form }),
        )
      ).status,
    ).toBe(200);
    const saved = await db
      .selectFrom("level_descriptors")
      .select(["level", "label"])
      .where("organization_id", "=", organizationId)
      .orderBy("level")
      .execute();
    expect(saved.map((d) => d.label)).toEqual(["L0", "L1", "L2", "L3", "L4"]);
    const bad = await call<Result>(
      list.action,
      buildRequest("/admin/frameworks", {
        cookie: admin.cookie,
        form: { ...form, "label.3": " ", "label.0": "Changed" },
      }),
    );
    expect(bad.status).toBe(422);
    expect(bad.data.fieldErrors?.["label.3"]).toMatch(/label/);
    const kept = await db
      .selectFrom("level_descriptors")
      .select("label")
      .where("organization_id", "=", organizationId)
      .where("level", "=", 0)
      .executeTakeFirstOrThrow();
    expect(kept.label).toBe("L0");
  });

  it("overrides a topic's wording per level in the version, and clears it back to the default", async () => {
    const { organizationId, admin, frameworkId, v1, topics } = await setUp();
    const topicId = topics[0]!.topic_id;
    const params = { frameworkId, topicId };
    const path = `/admin/frameworks/${frameworkId}/topics/${topicId}`;
    const save = (form: Record<string, string>, cookie = admin.cookie) =>
      call<Result>(topicLevels.action, buildRequest(path, { cookie, form }), params);
    const blank = {
      "description.0": "",
      "description.1": "",
      "description.2": "",
      "description.3": "",
      "description.4": "",
    };
    expect(
      (await save({ ...blank, "description.3": "Runs it in production on call" })).status,
    ).toBe(200);
    expect((await levelDescriptorsForVersion(organizationId, v1)).overrides[topicId]).toEqual({
      3: "Runs it in production on call",
    });
    await save(blank);
    expect(
      (await levelDescriptorsForVersion(organizationId, v1)).overrides[topicId],
    ).toBeUndefined();

    const other = await createOrgWithAdmin();
    expect(
      (await call(topicLevels.loader, buildRequest(path, { cookie: other.admin.cookie }), params))
        .status,
    ).toBe(404);
    expect((await save(blank, other.admin.cookie)).status).toBe(404);
  });
});

describe("team capability targets", () => {
  it("sets, changes and removes 'at least N people at level L' per topic, with validation", async () => {
    const { organizationId, admin, topics } = await setUp();
    const team = await createTeamRow(organizationId);
    const params = { teamId: team.id };
    const post = (form: Record<string, string>, cookie = admin.cookie) =>
      call<Result>(
        teamRoute.action,
        buildRequest(`/admin/teams/${team.id}`, { cookie, form }),
        params,
      );
    const topicId = topics[0]!.topic_id;
    expect((await post({ intent: "target", topicId, minPeople: "2", minLevel: "3" })).status).toBe(
      200,
    );
    expect((await post({ intent: "target", topicId, minPeople: "3", minLevel: "4" })).status).toBe(
      200,
    );
    const rows = await db
      .selectFrom("capability_targets")
      .select(["id", "min_people", "min_level"])
      .where("team_id", "=", team.id)
      .execute();
    expect(rows.map((r) => [r.min_people, r.min_level])).toEqual([[3, 4]]);
    const page = await call<{ targets: { topic_name: string }[] }>(
      teamRoute.loader,
      buildRequest(`/admin/teams/${team.id}`, { cookie: admin.cookie }),
      params,
    );
    expect(page.data.targets.map((t) => t.topic_name)).toEqual([topics[0]!.name]);

    const bad = await post({ intent: "target", topicId, minPeople: "0", minLevel: "5" });
    expect(bad.status).toBe(422);
    expect(bad.data.fieldErrors?.minPeople).toMatch(/At least one/);
    expect(bad.data.fieldErrors?.minLevel).toMatch(/1 to 4/);

    const other = await setUp();
    expect(
      (
        await post({
          intent: "target",
          topicId: other.topics[0]!.topic_id,
          minPeople: "1",
          minLevel: "2",
        })
      ).status,
    ).toBe(404);
    const otherTeam = await call(
      teamRoute.action,
      buildRequest(`/admin/teams/${team.id}`, {
        cookie: other.admin.cookie,
        form: { intent: "untarget", targetId: rows[0]!.id },
      }),
      params,
    );
    expect(otherTeam.status).toBe(404);

    expect((await post({ intent: "untarget", targetId: rows[0]!.id })).status).toBe(200);
    expect(
      await db
        .selectFrom("capability_targets")
        .select("id")
        .where("team_id", "=", team.id)
        .execute(),
    ).toEqual([]);
  });
});
