// The privacy floor, defined once (ADR 015). Every figure that aggregates people — an average,
// a level distribution or mix, a share or count meeting target, a trend, a radar — is shown
// only when at least `floor` people contributed a rating to it. Pages, charts, CSV, new
// reports and the API all ask these functions, and all say the same sentence when they hold a
// figure back.

/** The organisation's floor when it has not set one. */
export const DEFAULT_PRIVACY_FLOOR = 3;

/** The sentence shown where a figure is withheld. */
export function withheldNote(floor: number) {
  return `Fewer than ${floor} people rated this, so it is withheld: a figure over so few people would show one person's level.`;
}

/** The API's description of its `withheld` marker. */
export const WITHHELD_DESCRIPTION =
  "true when fewer people rated than the organisation's privacy floor (or showing it would let one person's level be worked out by difference from a wider figure): the aggregates beside it are then null. See ADR 015.";

/**
 * Whether a figure over `raters` people may be shown. Nobody rated: there is nothing to
 * reveal (and nothing to show).
 */
export function meetsPrivacyFloor(raters: number, floor: number) {
  return raters === 0 || raters >= floor;
}

/**
 * The no-derivation rule over a partition of a group's raters into cells (the people on each
 * target profile: what the "people on profile" filter and the priority filter select). A cell
 * may be shown on its own only when it meets the floor and the people left in the cells not
 * shown also meet it — else the group's figure minus the shown cells' figures would be the
 * figure of the few left, one person perhaps. Cells are dropped smallest first until that holds.
 * Returns the keys of the cells that may be shown on their own.
 */
export function releasedCells<K>(cells: ReadonlyMap<K, number>, floor: number): Set<K> {
  const total = [...cells.values()].reduce((sum, n) => sum + n, 0);
  if (total < floor) return new Set();
  const shown = [...cells].filter(([, n]) => n >= floor).sort((a, b) => b[1] - a[1]);
  let left = total - shown.reduce((sum, [, n]) => sum + n, 0);
  while (left > 0 && left < floor && shown.length) {
    left += shown.pop()![1];
  }
  return new Set(shown.map(([key]) => key));
}

/**
 * Whether a figure over some cells of a group may be shown: the whole group under the plain
 * floor, or a part of it only when every cell of that part (with raters) may be shown alone.
 */
export function mayShowCells<K>(
  cells: ReadonlyMap<K, number>,
  part: ReadonlySet<K> | "all",
  floor: number,
): boolean {
  const inPart = [...cells].filter(([key, n]) => n > 0 && (part === "all" || part.has(key)));
  const raters = inPart.reduce((sum, [, n]) => sum + n, 0);
  if (raters === 0) return true;
  const whole = [...cells.values()].reduce((sum, n) => sum + n, 0);
  if (raters === whole) return meetsPrivacyFloor(raters, floor);
  const released = releasedCells(cells, floor);
  return inPart.every(([key]) => released.has(key));
}
