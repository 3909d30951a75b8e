import { AsyncLocalStorage } from "node:async_hooks";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sql, type Kysely } from "kysely";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { db, sentStatement, type Database } from "#db/database";
import { requireMember, type MemberContext } from "~/modules/accounts/auth.server";
import { gapCacheStats, withoutGapCache } from "~/modules/gaps/gap-cache.server";
import type { GapScope } from "~/modules/gaps/gap-scope";
import { resolveGapScope } from "~/modules/gaps/gap-scope.server";
import { gapSummary, mustHaveTrend, packedHeatmap } from "~/modules/gaps/team-gaps.server";
import {
  calibrationQueue,
  pendingValidations,
  recentResolutions,
} from "~/modules/gaps/validation.server";
import { buildRequest } from "../support/remix";
import { buildGapData } from "./gap-data";

// A kept gap figure is correct only while every table it is made from bumps the
// organisation's gap data version when it changes (migration 0005, ADR 008). This test runs
// every cached figure against the real database, records the statements it sends, asks
// Postgres (EXPLAIN) which tables each one reads — views and inlined functions included —
// and fails when one of them has no version-bump trigger. A table only ever written by
// triggers (current_levels) is covered when every table whose triggers write it is.

interface Statement {
  text: string;
  values: unknown[];
}

// Watches the statements sent while a figure is computed (the database still runs them).
const recording = new AsyncLocalStorage<Statement[]>();
const clientQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  const statements = recording.getStore();
  const statement = sentStatement(args);
  if (statements && statement) statements.push(statement);
  return (clientQuery as (...a: unknown[]) => unknown).apply(this, args);
} as typeof clientQuery;

type Viewer = { ctx: MemberContext; scope: GapScope };

/** Every cached figure, by the name it is kept under, and how to compute it for a viewer. */
const FIGURES: Record<string, (viewer: Viewer) => Promise<unknown>> = {
  gapSummary: ({ scope }) => gapSummary(scope),
  mustHaveTrend: ({ scope }) => mustHaveTrend(scope, { total: 0, met: 0 }),
  heatmap: ({ scope }) => packedHeatmap(scope),
  calibrationQueue: ({ scope }) => calibrationQueue(scope),
  pendingValidations: ({ scope }) => pendingValidations(scope),
  recentResolutions: ({ scope }) => recentResolutions(scope),
  gapScopeChoices: ({ ctx }) => resolveGapScope(ctx, new URLSearchParams()),
};

/** The names every cachedGapFigures / cachedForOrganization call in app/ keeps a figure under. */
function cachedFigureNames(dir = "app"): string[] {
  const names: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) names.push(...cachedFigureNames(path));
    else if (/\.tsx?$/.test(entry.name)) {
      const source = readFileSync(path, "utf8");
      for (const match of source.matchAll(
        /cachedGapFigures\(\s*"(\w+)"|cachedForOrganization\(\s*[^,]+,\s*\[\s*"(\w+)"/g,
      ))
        names.push(match[1] ?? match[2]!);
    }
  }
  return names;
}

function relationsIn(plan: unknown, into: Set<string>) {
  if (Array.isArray(plan)) for (const item of plan) relationsIn(item, into);
  else if (plan && typeof plan === "object")
    for (const [key, value] of Object.entries(plan)) {
      if (key === "Relation Name" && typeof value === "string") into.add(value);
      else relationsIn(value, into);
    }
}

/** The tables a statement reads, from Postgres's own plan of it. */
async function tablesRead(statement: Statement): Promise<string[]> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ "QUERY PLAN": unknown }>(
      `EXPLAIN (FORMAT JSON) ${statement.text}`,
      statement.values,
    );
    const tables = new Set<string>();
    relationsIn(rows[0]?.["QUERY PLAN"], tables);
    // The system catalogs (the planner's statistics, read to decide how to plan a large
    // organisation's figures) are not data a figure is made from.
    return [...tables].filter((table) => !table.startsWith("pg_"));
  } finally {
    await client.end();
  }
}

// Changes that need no bump, and why.
const NO_BUMP_NEEDED: Record<string, ("INSERT" | "UPDATE" | "DELETE")[]> = {
  // Append-only: a trigger refuses updates and deletes (migration 0001).
  ratings: ["UPDATE", "DELETE"],
  // A new organisation has no kept figures yet; a deleted one takes them with it.
  organizations: ["INSERT", "DELETE"],
  // A person joins or leaves an organisation through memberships; only a rename shows.
  users: ["INSERT", "DELETE"],
};

const OPERATIONS = { INSERT: 4, DELETE: 8, UPDATE: 16 } as const;

/**
 * For each table, what is missing for kept figures that read it to stay correct: the
 * operations without a version-bump trigger ("table: OPERATION"), or, for a table written
 * only by triggers, what is missing on the tables whose triggers write it. A figure kept
 * without the levels versions (`levels: false`) is covered only by data-version bumps.
 */
async function uncovered(
  executor: Kysely<Database>,
  tables: string[],
  { levels }: { levels: boolean },
): Promise<string[]> {
  const { rows: bumps } = await sql<{ table: string; type: number }>`
    SELECT c.relname AS table, t.tgtype AS type FROM pg_trigger t
    JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
    WHERE NOT t.tgisinternal
      AND (p.proname LIKE 'gap_data%' OR (${levels} AND p.proname LIKE 'gap_levels%'))`.execute(
    executor,
  );
  const missing = (table: string) =>
    Object.entries(OPERATIONS).flatMap(([operation, bit]) =>
      NO_BUMP_NEEDED[table]?.includes(operation as keyof typeof OPERATIONS) ||
      bumps.some((b) => b.table === table && (b.type & bit) !== 0)
        ? []
        : [`${table}: ${operation}`],
    );
  const problems: string[] = [];
  const check = async (table: string, seen: Set<string>) => {
    if (seen.has(table)) return;
    seen.add(table);
    if (bumps.some((b) => b.table === table)) {
      problems.push(...missing(table));
      return;
    }
    // Written by triggers (their functions, or functions they call)? Then the tables those
    // triggers are on must be covered in turn.
    const { rows: writers } = await sql<{ table: string }>`
      WITH RECURSIVE writing AS (
        SELECT p.proname FROM pg_proc p
        WHERE p.prosrc ~* ${`(insert\\s+into|update)\\s+${table}\\M`}
        UNION
        SELECT p.proname FROM pg_proc p, writing w
        WHERE p.prosrc ~* (${"\\m"} || w.proname || ${"\\s*\\("})
      )
      SELECT DISTINCT c.relname AS table FROM pg_trigger t
      JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
      WHERE NOT t.tgisinternal AND c.relname <> ${table}
        AND p.proname IN (SELECT proname FROM writing)`.execute(executor);
    if (!writers.length) problems.push(`${table}: no version-bump trigger`);
    for (const writer of writers) await check(writer.table, seen);
  };
  for (const table of tables) await check(table, new Set());
  return [...new Set(problems)].sort();
}

let readsByFigure: Record<string, string[]>;
/** Whether each figure is kept under a levels version (read from the version it asks for). */
let keptWithLevels: Record<string, boolean>;

beforeAll(async () => {
  const data = await buildGapData();
  const viewers: Viewer[] = [];
  for (const cookie of [data.lee.cookie, data.admin.cookie]) {
    const ctx = await requireMember(buildRequest("/gaps", { cookie }));
    viewers.push({ ctx, scope: (await resolveGapScope(ctx, new URLSearchParams())).scope });
  }
  readsByFigure = {};
  keptWithLevels = {};
  for (const [name, compute] of Object.entries(FIGURES)) {
    const tables = new Set<string>();
    for (const viewer of viewers) {
      const statements: Statement[] = [];
      await recording.run(statements, () => withoutGapCache(() => compute(viewer)));
      for (const statement of statements)
        for (const table of await tablesRead(statement)) tables.add(table);
    }
    readsByFigure[name] = [...tables].sort();
    // Kept once, then every levels version moves: a figure still served from the cache is
    // kept without them.
    await compute(viewers[0]!);
    await sql`UPDATE gap_level_versions SET version = version + 1
      WHERE organization_id = ${data.organizationId}`.execute(db);
    const hits = gapCacheStats().hits;
    await compute(viewers[0]!);
    keptWithLevels[name] = gapCacheStats().hits === hits;
  }
});

describe("the gap cache's version triggers", () => {
  it("knows every figure the app keeps", () => {
    expect([...new Set(cachedFigureNames())].sort()).toEqual(Object.keys(FIGURES).sort());
  });

  it("cover every table a kept figure reads", async () => {
    // The recording worked: the summary reads levels, targets and people.
    expect(readsByFigure["gapSummary"]).toEqual(
      expect.arrayContaining(["current_levels", "memberships", "topic_targets"]),
    );
    for (const levels of [true, false]) {
      const figures = Object.keys(readsByFigure).filter((f) => keptWithLevels[f] === levels);
      const tables = [...new Set(figures.flatMap((f) => readsByFigure[f]!))].sort();
      expect(await uncovered(db, tables, { levels })).toEqual([]);
    }
    // The trend and the filter choices read no levels: kept through saves.
    expect(keptWithLevels).toMatchObject({ mustHaveTrend: false, gapScopeChoices: false });
    expect(keptWithLevels).toMatchObject({ gapSummary: true, heatmap: true });
  });

  it("turns red when a figure kept through saves reads levels", async () => {
    const trend = readsByFigure["mustHaveTrend"]!;
    expect(await uncovered(db, [...trend, "current_levels"], { levels: false })).toEqual([
      "assessments: no version-bump trigger",
      "ratings: no version-bump trigger",
    ]);
  });

  it("turns red when a table a figure reads loses its trigger", async () => {
    const tables = [...new Set(Object.values(readsByFigure).flat())];
    // Dropping a trigger locks its table against the files running beside this one, whose
    // transactions may hold the other table: PostgreSQL then ends one of them as deadlocked,
    // and this one tries again.
    const dropTriggersAndLook = () =>
      db
        .transaction()
        .execute(async (trx) => {
          await sql`DROP TRIGGER team_members_gap_data_delete ON team_members`.execute(trx);
          await sql`DROP TRIGGER assessments_gap_levels_update ON assessments`.execute(trx);
          const problems = await uncovered(trx, tables, { levels: true });
          throw Object.assign(new Error("roll back"), { problems });
        })
        .catch((error: { problems?: string[]; code?: string }) => {
          if (error.problems) return error.problems;
          if (error.code === "40P01") return null;
          throw error;
        });
    let found = await dropTriggersAndLook();
    for (let attempt = 1; found === null && attempt < 5; attempt++)
      found = await dropTriggersAndLook();
    // current_levels is written by the triggers on ratings and assessments, and level_counts
    // by those on current_levels, memberships and team_members: they are uncovered too,
    // through assessments and team_members.
    expect(found).toEqual(["assessments: UPDATE", "team_members: DELETE"]);
  });
});
