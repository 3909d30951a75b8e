import { expect, it } from "vitest";
import {
  cellAt,
  markStale,
  packCell,
  packRow,
  unpackCell,
  type HeatmapCell,
} from "~/modules/gaps/heatmap-payload";

// The heatmap page carries each cell as one number: every cell the gap view can show comes
// back from it unchanged, and an unrated topic stays unrated.

it("packs every possible cell into a small number and back unchanged", () => {
  const seen = new Set<number>();
  for (const level of [null, 0, 1, 2, 3, 4])
    for (const target of [null, 0, 1, 2, 3, 4])
      for (const priority of [null, "must_have", "good_to_have", "advanced"] as const)
        for (const source of ["self", "lead"] as const)
          for (const stale of [false, true])
            for (const mentored of [false, true]) {
              const cell: HeatmapCell = { level, target, priority, source, stale, mentored };
              const packed = packCell(cell);
              expect(unpackCell(packed)).toEqual(cell);
              expect(packed).toBeGreaterThan(0);
              expect(packed).toBeLessThan(10_000);
              seen.add(packed);
            }
  expect(seen.size).toBe(6 * 6 * 4 * 2 * 2 * 2);
  expect(Math.max(...seen)).toBeLessThan(36 * 36);
  expect(packCell(null)).toBe(0);
  expect(unpackCell(0)).toBeNull();
});

it("reads each cell of a packed row back where it was", () => {
  const cells: (HeatmapCell | null)[] = [
    null,
    { level: 4, target: null, priority: null, source: "lead", stale: true, mentored: true },
    {
      level: null,
      target: 3,
      priority: "must_have",
      source: "self",
      stale: false,
      mentored: false,
    },
    null,
    { level: 0, target: 4, priority: "advanced", source: "self", stale: false, mentored: true },
  ];
  const row = packRow(cells);
  expect(row).toHaveLength(cells.length * 2);
  expect(cells.map((_, i) => cellAt(row, i))).toEqual(cells);
});

it("marks as stale exactly the rated cells rated before the day's cut-off", () => {
  const fresh = (level: number | null, mentored = false): HeatmapCell => ({
    level,
    target: 3,
    priority: "must_have",
    source: "self",
    stale: false,
    mentored,
  });
  const cells = [fresh(4, true), null, fresh(null), fresh(0), fresh(2)];
  const ratedAt = [100, null, 50, 200, 99];
  const marked = markStale(packRow(cells), ratedAt, 100);
  expect(cells.map((_, i) => cellAt(marked, i))).toEqual([
    fresh(4, true),
    null,
    { ...fresh(null), stale: true },
    fresh(0),
    { ...fresh(2), stale: true },
  ]);
  expect(markStale(packRow(cells), ratedAt, 0)).toBe(packRow(cells));
});
