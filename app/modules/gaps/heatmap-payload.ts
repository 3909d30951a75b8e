import type { RatingSource, TargetPriority } from "#db/schema";

// The heatmap as the page receives it: each person and topic once, and each cell packed into
// one small number written as two base-36 characters, a member's cells one string (a page of
// 100 people × 60 topics is 6,000 cells; as objects they were most of the page's weight).
// Server and browser share the codec below.

/** One heatmap cell: the level shown, whose it is, whether it is stale, the member's target. */
export interface HeatmapCell {
  level: number | null;
  source: RatingSource;
  stale: boolean;
  target: number | null;
  priority: TargetPriority | null;
  mentored: boolean;
}

const LEVELS = 6; // 0–4, and 5 for "not applicable"
const TARGETS = 6; // 0–4, and 5 for "no target"
const PRIORITIES: (TargetPriority | null)[] = [null, "must_have", "good_to_have", "advanced"];
const SOURCES: RatingSource[] = ["self", "lead"];

/** 0 for a topic the member has not rated; else the cell's fields, packed. */
export function packCell(cell: HeatmapCell | null): number {
  if (!cell) return 0;
  let n = cell.level === null ? 5 : cell.level;
  n = n * TARGETS + (cell.target === null ? 5 : cell.target);
  n = n * PRIORITIES.length + Math.max(0, PRIORITIES.indexOf(cell.priority));
  n = n * 2 + SOURCES.indexOf(cell.source);
  n = n * 2 + (cell.stale ? 1 : 0);
  n = n * 2 + (cell.mentored ? 1 : 0);
  return n + 1;
}

export function unpackCell(packed: number): HeatmapCell | null {
  if (!packed) return null;
  let n = packed - 1;
  const mentored = n % 2 === 1;
  n = Math.floor(n / 2);
  const stale = n % 2 === 1;
  n = Math.floor(n / 2);
  const source = SOURCES[n % 2]!;
  n = Math.floor(n / 2);
  const priority = PRIORITIES[n % PRIORITIES.length] ?? null;
  n = Math.floor(n / PRIORITIES.length);
  const target = n % TARGETS;
  const level = Math.floor(n / TARGETS) % LEVELS;
  return {
    level: level === 5 ? null : level,
    source,
    stale,
    target: target === 5 ? null : target,
    priority,
    mentored,
  };
}

const WIDTH = 2; // 36² = 1,296 codes, more than the 1,153 a cell can take

/** A member's cells as one string, WIDTH characters a cell. */
export function packRow(cells: (HeatmapCell | null)[]): string {
  return cells.map((cell) => packCell(cell).toString(36).padStart(WIDTH, "0")).join("");
}

/** The cell at `index` of a packed row. */
export function cellAt(row: string, index: number): HeatmapCell | null {
  return unpackCell(parseInt(row.slice(index * WIDTH, index * WIDTH + WIDTH), 36) || 0);
}

/**
 * `row` (packed with no cell stale) with the cells rated before `staleBefore` marked stale:
 * the stale flag is the code's second bit (packCell), so a stale cell's code is 2 more.
 */
export function markStale(
  row: string,
  ratedAt: readonly (number | null)[],
  staleBefore: number,
): string {
  let marked = "";
  let from = 0;
  ratedAt.forEach((at, index) => {
    if (at === null || at >= staleBefore) return;
    const code = parseInt(row.slice(index * WIDTH, index * WIDTH + WIDTH), 36);
    if (!code) return;
    marked += row.slice(from, index * WIDTH) + (code + 2).toString(36).padStart(WIDTH, "0");
    from = index * WIDTH + WIDTH;
  });
  return marked + row.slice(from);
}

/** The loader's shape: the packed heatmap without what the page does not show. */
export function heatmapPayload<M extends { title: string | null }, T extends { members: M[] }>(
  map: T,
) {
  return {
    ...map,
    // (A member's title is not shown on the heatmap.)
    members: map.members.map(({ title: _title, ...member }) => member),
  };
}
