// Helpers for loading large amounts of generated data: a seeded PRNG (every run produces the
// same rows), multi-row inserts in chunks, and the ANALYZE a bulk load needs. Used by the
// demo seed (seeds/demo.ts) and the benchmark's large data set (bench/dataset.ts).
import { sql, type Kysely } from "kysely";
import type { Database } from "#db/schema";

export function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float() {
    return this.next();
  }
  chance(p: number) {
    return this.next() < p;
  }
  /** An integer in [min, max]. */
  int(min: number, max: number) {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  normal(sd = 1) {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v) * sd;
  }
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }
}

/** Rows per multi-row INSERT: ~10 columns each stays far below Postgres' 65,535 parameters. */
const INSERT_CHUNK = 1000;

/** Multi-row inserts of `chunk` rows each. */
export async function insertChunked(
  executor: Kysely<Database>,
  table: keyof Database & string,
  rows: readonly object[],
  chunk = INSERT_CHUNK,
) {
  for (let i = 0; i < rows.length; i += chunk) {
    await executor
      .insertInto(table)
      .values(rows.slice(i, i + chunk) as never)
      .execute();
  }
}

/**
 * A bulk load leaves the planner's statistics describing empty tables until autovacuum
 * catches up; the gap and report queries would plan nested loops over thousands of rows
 * (an organisation report took 36 s instead of 0.2 s). Run it after every bulk load,
 * outside the loading transaction. `vacuum` also clears the dead row versions the rating
 * triggers leave in current_levels, as autovacuum would have by then.
 */
export async function analyzeAfterBulkLoad(
  executor: Kysely<Database>,
  { vacuum = false }: { vacuum?: boolean } = {},
) {
  await (vacuum ? sql`VACUUM (ANALYZE)` : sql`ANALYZE`).execute(executor);
}
