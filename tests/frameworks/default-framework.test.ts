import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { db } from "#db/database";
import type { TargetPriority } from "#db/schema";
import {
  DEFAULT_FRAMEWORK_NAME,
  DEFAULT_FRAMEWORK_PATH,
  DEFAULT_PROFILES,
  MID_PROFILE,
  SENIOR_PROFILE,
  TOPIC_TARGETS,
  installDefaultFramework,
  loadDefaultOutline,
} from "#seeds/default-framework";
import { createFramework } from "~/modules/frameworks/create-framework.server";
import { parseMarkdownOutline } from "~/modules/frameworks/markdown-outline";

async function createOrganizationRow() {
  const suffix = randomUUID().slice(0, 8);
  return db
    .insertInto("organizations")
    .values({ name: `Seed test ${suffix}`, slug: `seed-test-${suffix}` })
    .returning("id")
    .executeTakeFirstOrThrow();
}

/** Every topic revision of a version with its category, in catalogue order. */
function catalogue(versionId: string) {
  return db
    .selectFrom("topic_revisions as t")
    .innerJoin("category_revisions as c", (join) =>
      join
        .onRef("c.framework_version_id", "=", "t.framework_version_id")
        .onRef("c.category_id", "=", "t.category_id"),
    )
    .select([
      "t.topic_id",
      "t.name",
      "t.position",
      "c.name as category",
      "c.kind",
      "c.position as categoryPosition",
    ])
    .where("t.framework_version_id", "=", versionId)
    .orderBy("c.position")
    .orderBy("t.position")
    .execute();
}

const strictness: Record<TargetPriority, number> = { must_have: 0, good_to_have: 1, advanced: 2 };

describe("installDefaultFramework", () => {
  it("installs the expectations list with Mid and Senior targets in a new organisation", async () => {
    const org = await createOrganizationRow();
    const started = performance.now();
    const installed = await db
      .transaction()
      .execute((trx) =>
        installDefaultFramework(trx, { organizationId: org.id, createdByUserId: null }),
      );
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(2000);

    const organization = await db
      .selectFrom("organizations")
      .select("default_framework_id")
      .where("id", "=", org.id)
      .executeTakeFirstOrThrow();
    expect(organization.default_framework_id).toBe(installed.frameworkId);

    const framework = await db
      .selectFrom("frameworks")
      .select(["name", "current_version_id", "organization_id"])
      .where("id", "=", installed.frameworkId)
      .executeTakeFirstOrThrow();
    expect(framework).toEqual({
      name: DEFAULT_FRAMEWORK_NAME,
      current_version_id: installed.versionId,
      organization_id: org.id,
    });
    const version = await db
      .selectFrom("framework_versions")
      .select(["number", "framework_id"])
      .where("id", "=", installed.versionId)
      .executeTakeFirstOrThrow();
    expect(version).toEqual({ number: 1, framework_id: installed.frameworkId });

    const categories = await db
      .selectFrom("category_revisions")
      .select(["name", "kind", "position"])
      .where("framework_version_id", "=", installed.versionId)
      .orderBy("position")
      .execute();
    expect(categories).toHaveLength(12);
    expect(categories.filter((c) => c.kind === "skills")).toHaveLength(11);
    expect(categories.map((c) => c.position)).toEqual([...Array(12).keys()]);
    expect(categories[0]?.name).toBe("Core Node.js Fundamentals");
    expect(categories[10]?.name).toBe("Other Must-Know Areas");
    expect(categories[11]).toEqual({
      name: "Role expectations",
      kind: "role_expectations",
      position: 11,
    });

    const topics = await catalogue(installed.versionId);
    expect(topics).toHaveLength(60);
    expect(topics.filter((t) => t.kind === "skills")).toHaveLength(56);
    expect(topics.filter((t) => t.kind === "role_expectations").map((t) => t.name)).toEqual([
      "Architecting scalable solutions (not just coding APIs)",
      "Leading teams & mentoring juniors",
      "Ensuring performance, reliability, and security in production",
      "Bridging between development and DevOps/infra",
    ]);
    // The file's order, category by category.
    const fileOrder = loadDefaultOutline().categories.flatMap((c) => c.topics.map((t) => t.name));
    expect(topics.map((t) => t.name)).toEqual(fileOrder);
    expect(topics[0]?.name).toBe("Event loop, call stack, and microtask queue");
    expect(topics[55]?.name).toBe("Experience with monorepos (Nx, Turborepo, Lerna)");
    expect(
      topics.filter((t) => t.category === "Core Node.js Fundamentals").map((t) => t.position),
    ).toEqual([0, 1, 2, 3, 4, 5]);

    const profiles = await db
      .selectFrom("target_profiles")
      .select(["id", "name", "position"])
      .where("framework_id", "=", installed.frameworkId)
      .orderBy("position")
      .execute();
    expect(profiles.map((p) => [p.name, p.position])).toEqual([
      [MID_PROFILE, 0],
      [SENIOR_PROFILE, 1],
    ]);
    expect(installed.profileIds).toEqual(Object.fromEntries(profiles.map((p) => [p.name, p.id])));

    const targets = await db
      .selectFrom("topic_targets")
      .select(["target_profile_id", "topic_id", "target_level", "priority", "organization_id"])
      .where("framework_version_id", "=", installed.versionId)
      .execute();
    expect(targets).toHaveLength(120);
    expect(targets.every((t) => t.organization_id === org.id)).toBe(true);
    const mid = installed.profileIds[MID_PROFILE];
    const senior = installed.profileIds[SENIOR_PROFILE];
    for (const topic of topics) {
      const midTarget = targets.find(
        (t) => t.topic_id === topic.topic_id && t.target_profile_id === mid,
      );
      const seniorTarget = targets.find(
        (t) => t.topic_id === topic.topic_id && t.target_profile_id === senior,
      );
      expect(midTarget, topic.name).toBeDefined();
      expect(seniorTarget, topic.name).toBeDefined();
      if (!midTarget || !seniorTarget) continue;
      expect(midTarget.target_level).toBeGreaterThanOrEqual(1);
      expect(seniorTarget.target_level).toBeLessThanOrEqual(4);
      expect(seniorTarget.target_level, topic.name).toBeGreaterThanOrEqual(midTarget.target_level);
      // A Mid is never held to a stricter priority than a Senior.
      expect(strictness[midTarget.priority], topic.name).toBeGreaterThanOrEqual(
        strictness[seniorTarget.priority],
      );
    }
    const seniorOf = (name: string) => {
      const topic = topics.find((t) => t.name === name);
      const target = targets.find(
        (t) => t.topic_id === topic?.topic_id && t.target_profile_id === senior,
      );
      return [target?.target_level, target?.priority];
    };
    expect(seniorOf("Event loop, call stack, and microtask queue")).toEqual([4, "must_have"]);
    expect(seniorOf("Docker & containerization")).toEqual([3, "must_have"]);
    expect(seniorOf("CQRS and Event Sourcing")).toEqual([2, "advanced"]);
    expect(seniorOf("Leading teams & mentoring juniors")).toEqual([3, "must_have"]);

    const levels = await db
      .selectFrom("level_descriptors")
      .select(["level", "label"])
      .where("organization_id", "=", org.id)
      .orderBy("level")
      .execute();
    expect(levels).toEqual([
      { level: 0, label: "None" },
      { level: 1, label: "Aware" },
      { level: 2, label: "Working" },
      { level: 3, label: "Proficient" },
      { level: 4, label: "Expert" },
    ]);
  });

  it("keeps level descriptors the organisation already has", async () => {
    const org = await createOrganizationRow();
    await db
      .insertInto("level_descriptors")
      .values({
        organization_id: org.id,
        level: 2,
        label: "Practitioner",
        description: "Our own wording.",
      })
      .execute();
    await db
      .transaction()
      .execute((trx) =>
        installDefaultFramework(trx, { organizationId: org.id, createdByUserId: null }),
      );
    const levels = await db
      .selectFrom("level_descriptors")
      .select(["level", "label"])
      .where("organization_id", "=", org.id)
      .orderBy("level")
      .execute();
    expect(levels.map((l) => l.label)).toEqual([
      "None",
      "Aware",
      "Practitioner",
      "Proficient",
      "Expert",
    ]);
  });

  it("has an explicit target for every topic of the file, so none falls back to its category", () => {
    expect(DEFAULT_FRAMEWORK_PATH).toMatch(/seeds\/frameworks\/nodejs-senior-7-8-years\.md$/);
    const names = loadDefaultOutline().categories.flatMap((c) => c.topics.map((t) => t.name));
    expect(names.filter((name) => !(name in TOPIC_TARGETS))).toEqual([]);
    expect(Object.keys(TOPIC_TARGETS).filter((name) => !names.includes(name))).toEqual([]);
  });

  it("falls back to the category's targets for a topic the table does not know", () => {
    const [mid, senior] = DEFAULT_PROFILES;
    const topic = { category: "Database Expertise", name: "SurrealDB", kind: "skills" as const };
    expect(senior?.targetFor(topic)).toEqual({ level: 3, priority: "must_have" });
    expect(mid?.targetFor(topic)).toEqual({ level: 2, priority: "good_to_have" });
    const role = {
      category: "Role expectations",
      name: "Hiring",
      kind: "role_expectations" as const,
    };
    expect(senior?.targetFor(role)).toEqual({ level: 3, priority: "must_have" });
    const unknown = { category: "Frontend", name: "React", kind: "skills" as const };
    expect(senior?.targetFor(unknown).level).toBeGreaterThanOrEqual(
      mid?.targetFor(unknown).level ?? 5,
    );
  });
});

describe("createFramework", () => {
  it("stores an outline with per-category positions and a target for every topic × profile", async () => {
    const org = await createOrganizationRow();
    const outline = parseMarkdownOutline("## A\n- One\n- Two\n## B\n- Three\n");
    const created = await db.transaction().execute((trx) =>
      createFramework(trx, {
        organizationId: org.id,
        name: "Small",
        outline,
        profiles: [
          { name: "Junior", targetFor: () => ({ level: 1, priority: "good_to_have" }) },
          {
            name: "Lead",
            targetFor: (t) => ({ level: t.category === "A" ? 4 : 3, priority: "must_have" }),
          },
          { name: "Staff", targetFor: () => ({ level: 4, priority: "advanced" }) },
        ],
        createdByUserId: null,
      }),
    );
    expect(Object.keys(created.profileIds)).toEqual(["Junior", "Lead", "Staff"]);
    const topics = await catalogue(created.versionId);
    expect(topics.map((t) => [t.category, t.categoryPosition, t.name, t.position])).toEqual([
      ["A", 0, "One", 0],
      ["A", 0, "Two", 1],
      ["B", 1, "Three", 0],
    ]);
    const lead = await db
      .selectFrom("topic_targets")
      .select(["topic_id", "target_level"])
      .where("framework_version_id", "=", created.versionId)
      .where("target_profile_id", "=", created.profileIds.Lead ?? "")
      .execute();
    expect(lead).toHaveLength(3);
    const three = topics.find((t) => t.name === "Three");
    expect(lead.find((t) => t.topic_id === three?.topic_id)?.target_level).toBe(3);
    const all = await db
      .selectFrom("topic_targets")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("framework_version_id", "=", created.versionId)
      .executeTakeFirstOrThrow();
    expect(all.n).toBe(9);
  });

  it("rejects a target level outside 0–4 before writing anything", async () => {
    const org = await createOrganizationRow();
    await expect(
      db.transaction().execute((trx) =>
        createFramework(trx, {
          organizationId: org.id,
          name: "Broken",
          outline: parseMarkdownOutline("## A\n- One\n"),
          profiles: [{ name: "Senior", targetFor: () => ({ level: 5, priority: "must_have" }) }],
          createdByUserId: null,
        }),
      ),
    ).rejects.toThrow(/not 0–4/);
    const frameworks = await db
      .selectFrom("frameworks")
      .select("id")
      .where("organization_id", "=", org.id)
      .execute();
    expect(frameworks).toEqual([]);
  });

  it("stores 300 topics × 3 profiles", async () => {
    const org = await createOrganizationRow();
    const markdown = Array.from(
      { length: 10 },
      (_, c) =>
        `## Category ${c}\n${Array.from({ length: 30 }, (_, t) => `- Topic ${c}.${t}`).join("\n")}`,
    ).join("\n\n");
    const created = await db.transaction().execute((trx) =>
      createFramework(trx, {
        organizationId: org.id,
        name: "Large",
        outline: parseMarkdownOutline(markdown),
        profiles: ["P1", "P2", "P3"].map((name) => ({
          name,
          targetFor: () => ({ level: 2, priority: "good_to_have" as const }),
        })),
        createdByUserId: null,
      }),
    );
    const counts = await db
      .selectFrom("topic_targets")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("framework_version_id", "=", created.versionId)
      .executeTakeFirstOrThrow();
    expect(counts.n).toBe(900);
    expect(await catalogue(created.versionId)).toHaveLength(300);
  });
});
