import { stringify } from "csv-stringify/sync";
import { guardCell } from "~/lib/csv-cells";
import { slugify } from "~/modules/accounts/organizations.server";
import type { GapScope } from "./gap-scope.server";
import { heatmap } from "./team-gaps.server";

/**
 * The heatmap as filtered, every member (not one page), as CSV: one row per member, one
 * column per topic ("Category / Topic"). A cell is the level shown in the heatmap (the
 * lead's where there is one, else the member's own), "N/A", or empty when not rated.
 */
export async function gapMatrixCsv(scope: GapScope, viewName: string) {
  const map = await heatmap(scope, { pageSize: null });
  const categoryName = new Map(map.categories.map((c) => [c.id, c.name]));
  const header = [
    "Member",
    "Title",
    "Target profile",
    ...map.topics.map((t) => `${categoryName.get(t.categoryId)} / ${t.name}`),
  ];
  const rows = map.members.map((m) => [
    m.displayName,
    m.title ?? "",
    m.profile ?? "",
    ...map.topics.map((_, i) => {
      const cell = m.cells[i];
      if (!cell) return "";
      return cell.level === null ? "N/A" : String(cell.level);
    }),
  ]);
  const body = stringify([header, ...rows].map((row) => row.map(guardCell)));
  const today = new Date().toISOString().slice(0, 10);
  return { body, filename: `gaps-${slugify(viewName) || "view"}-${today}.csv` };
}
