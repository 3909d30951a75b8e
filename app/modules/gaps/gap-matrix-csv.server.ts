import { stringify } from "csv-stringify/sync";
import { guardCell } from "~/lib/csv-cells";
import { slugify } from "~/modules/accounts/organizations.server";
import type { GapScope } from "./gap-scope";
import { heatmap } from "./team-gaps.server";

/**
 * The heatmap as filtered, every member (not one page), as CSV: one row per member, one
 * column per topic ("Category / Topic"). A cell is the level shown in the heatmap (the
 * lead's validated level, else the member's own), "N/A", or empty when not rated. The
 * yardstick (`yardstickName`: the compared-against profile, or each member's own) is named
 * per row, with the topics below its targets and the weighted shortfall.
 */
export async function gapMatrixCsv(
  scope: GapScope,
  viewName: string,
  yardstickName: string | null = null,
) {
  const map = await heatmap(scope, { pageSize: null });
  const categoryName = new Map(map.categories.map((c) => [c.id, c.name]));
  const header = [
    "Member",
    "Title",
    "Target profile",
    "Compared against",
    ...map.topics.map((t) => `${categoryName.get(t.categoryId)} / ${t.name}`),
    "Topics below target",
    "Weighted shortfall",
  ];
  const rows = map.members.map((m) => [
    m.displayName,
    m.title ?? "",
    m.profile ?? "",
    yardstickName ?? m.profile ?? "",
    ...map.topics.map((_, i) => {
      const cell = m.cells[i];
      if (!cell) return "";
      return cell.level === null ? "N/A" : String(cell.level);
    }),
    String(m.below),
    String(m.shortfall),
  ]);
  const body = stringify([header, ...rows].map((row) => row.map(guardCell)));
  const today = new Date().toISOString().slice(0, 10);
  return { body, filename: `gaps-${slugify(viewName) || "view"}-${today}.csv` };
}
