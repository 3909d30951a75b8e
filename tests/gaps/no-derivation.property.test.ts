import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { requireMember } from "~/modules/accounts/auth.server";
import { createFramework } from "~/modules/frameworks/create-framework.server";
import { resolveGapScope } from "~/modules/gaps/gap-scope.server";
import { gapSummary } from "~/modules/gaps/team-gaps.server";
import { PRIORITIES } from "~/modules/frameworks/priorities";
import { addMember, createOrgWithAdmin, createTeamRow } from "../support/factories";
import { buildRequest } from "../support/remix";

// ADR 015's promise, tested on random small teams through the real gap figures: put together
// every figure the gap view and API show of a team — the team, each "people on profile" part,
// each priority — and no one's level on a topic follows from them, even for a viewer who knows
// their own level. A figure over a set of people is a sum over them (an average times its
// count, a count at each level, a count meeting target), so a level follows exactly when that
// person's indicator vector lies in the span of the shown sets' vectors and the viewer's own.

const TOPICS = ["a1", "a2", "b1"] as const;

let organizationId: string;
let adminCookie: string;
let cycleId: string;
let profiles: Record<"Senior" | "Mid", string>;
let topicIds: Record<(typeof TOPICS)[number], string>;
// Which priority each profile gives each topic (the framework below).
const PRIORITY: Record<"Senior" | "Mid", Record<(typeof TOPICS)[number], string>> = {
  Senior: { a1: "must_have", a2: "must_have", b1: "advanced" },
  Mid: { a1: "must_have", a2: "good_to_have", b1: "must_have" },
};

beforeAll(async () => {
  const org = await createOrgWithAdmin();
  organizationId = org.organizationId;
  adminCookie = org.admin.cookie;
  const framework = await db.transaction().execute((trx) =>
    createFramework(trx, {
      organizationId,
      name: "Random teams",
      outline: {
        categories: [
          { name: "A", kind: "skills", topics: [{ name: "a1" }, { name: "a2" }] },
          { name: "B", kind: "skills", topics: [{ name: "b1" }] },
        ],
        ignored: [],
      },
      profiles: (["Senior", "Mid"] as const).map((name) => ({
        name,
        targetFor: (t: { name: string }) => ({
          level: 3,
          priority: PRIORITY[name][t.name as (typeof TOPICS)[number]] as never,
        }),
      })),
      createdByUserId: org.admin.id,
    }),
  );
  await db
    .updateTable("organizations")
    .set({ default_framework_id: framework.frameworkId })
    .where("id", "=", organizationId)
    .execute();
  profiles = { Senior: framework.profileIds["Senior"]!, Mid: framework.profileIds["Mid"]! };
  const rows = await db
    .selectFrom("topic_revisions")
    .select(["topic_id", "name"])
    .where("framework_version_id", "=", framework.versionId)
    .execute();
  topicIds = Object.fromEntries(rows.map((r) => [r.name, r.topic_id])) as typeof topicIds;
  const cycle = await db
    .insertInto("cycles")
    .values({
      organization_id: organizationId,
      framework_version_id: framework.versionId,
      name: "2026-Q4",
      status: "open",
      starts_on: "2026-10-01",
      due_on: "2026-11-15",
      ends_on: "2026-12-31",
      opened_at: new Date(),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  cycleId = cycle.id;
});

/** The rank of a set of 0/1 vectors (Gaussian elimination; the entries stay small). */
function rank(vectors: number[][]): number {
  const rows = vectors.map((v) => [...v]);
  let r = 0;
  const width = rows[0]?.length ?? 0;
  for (let col = 0; col < width && r < rows.length; col++) {
    const pivot = rows.findIndex((row, i) => i >= r && Math.abs(row[col]!) > 1e-9);
    if (pivot < 0) continue;
    [rows[r], rows[pivot]] = [rows[pivot]!, rows[r]!];
    for (let i = 0; i < rows.length; i++) {
      if (i === r) continue;
      const factor = rows[i]![col]! / rows[r]![col]!;
      if (factor) rows[i] = rows[i]!.map((x, j) => x - factor * rows[r]![j]!);
    }
    r += 1;
  }
  return r;
}

const person = fc.record({
  profile: fc.constantFrom("Senior" as const, "Mid" as const, null),
  // undefined: not rated; null: N/A.
  levels: fc.tuple(
    ...TOPICS.map(() =>
      fc.option(fc.option(fc.integer({ min: 0, max: 4 }), { nil: null }), { nil: undefined }),
    ),
  ),
});

describe("no individual level follows from the figures a team shows", () => {
  it("holds on random small teams at floors 3 to 5", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(person, { minLength: 2, maxLength: 8 }),
        fc.integer({ min: 3, max: 5 }),
        async (people, floor) => {
          await db
            .updateTable("organizations")
            .set({ privacy_floor: floor })
            .where("id", "=", organizationId)
            .execute();
          const team = await createTeamRow(organizationId);
          const members: typeof people = [];
          for (const p of people) {
            const m = await addMember(organizationId, "engineer", "Random");
            await db
              .updateTable("memberships")
              .set({ target_profile_id: p.profile && profiles[p.profile] })
              .where("id", "=", m.membershipId)
              .execute();
            await db
              .insertInto("team_members")
              .values({
                organization_id: organizationId,
                team_id: team.id,
                membership_id: m.membershipId,
              })
              .execute();
            const ratings = TOPICS.flatMap((name, i) =>
              p.levels[i] === undefined
                ? []
                : [
                    {
                      organization_id: organizationId,
                      cycle_id: cycleId,
                      member_id: m.membershipId,
                      topic_id: topicIds[name],
                      source: "self" as const,
                      level: p.levels[i] ?? null,
                    },
                  ],
            );
            if (ratings.length) await db.insertInto("ratings").values(ratings).execute();
            members.push({ ...p });
          }
          const ctx = await requireMember(buildRequest("/gaps", { cookie: adminCookie }));
          // Every view of the team: whole, each profile part, each priority, and both.
          const views: { profile: "Senior" | "Mid" | null; priority: string | null }[] = [];
          for (const profile of [null, "Senior", "Mid"] as const)
            for (const priority of [null, ...PRIORITIES]) views.push({ profile, priority });

          for (const [t, name] of TOPICS.entries()) {
            const raters = members.flatMap((m, i) => (typeof m.levels[t] === "number" ? [i] : []));
            const shown: number[][] = [];
            for (const view of views) {
              const params = new URLSearchParams({ team: team.id });
              if (view.profile) params.set("profile", profiles[view.profile]);
              if (view.priority) params.set("priority", view.priority);
              const { scope } = await resolveGapScope(ctx, params);
              const summary = await gapSummary(scope);
              const topic = summary.topics.find((x) => x.name === name);
              if (!topic || topic.withheld) continue;
              const inView = raters.filter(
                (i) => view.profile === null || members[i]!.profile === view.profile,
              );
              const level = (i: number) => members[i]!.levels[t] as number;
              // The average shown is the average over exactly these people…
              if (inView.length) {
                const sum = inView.reduce((s, i) => s + level(i), 0);
                expect(topic.averageLevel).toBeCloseTo(sum / inView.length, 2);
              }
              shown.push(members.map((_, i) => (inView.includes(i) ? 1 : 0)));
              // …and the counts meeting target are over those the priority keeps.
              if (view.priority) {
                const kept = inView.filter((i) => {
                  const profile = members[i]!.profile;
                  return profile !== null && PRIORITY[profile][name] === view.priority;
                });
                expect(topic.withTarget).toBe(kept.length);
                shown.push(members.map((_, i) => (kept.includes(i) ? 1 : 0)));
              }
            }
            for (const viewer of raters) {
              const known = [...shown, members.map((_, i) => (i === viewer ? 1 : 0))];
              const base = rank(known);
              for (const other of raters) {
                if (other === viewer) continue;
                const unit = members.map((_, i) => (i === other ? 1 : 0));
                expect(rank([...known, unit]), `person ${other} on ${name}`).toBeGreaterThan(base);
              }
            }
          }
        },
      ),
      {
        numRuns: Number(process.env.FC_RUNS ?? 25),
        seed: process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined,
      },
    );
  }, 240_000);
});
