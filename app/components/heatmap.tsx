import { Link } from "@remix-run/react";
import { useState, type KeyboardEvent } from "react";
import type { Heatmap as HeatmapData, HeatmapCell } from "~/modules/gaps/team-gaps.server";

function cellClass(cell: HeatmapCell | null) {
  if (!cell) return "hm-cell unrated";
  const classes = ["hm-cell"];
  if (cell.level === null) classes.push("na");
  else if (cell.target === null) classes.push("no-target");
  else if (cell.level >= cell.target) classes.push("met");
  else classes.push(cell.target - cell.level >= 2 ? "short-2" : "short-1");
  if (cell.source === "lead") classes.push("lead");
  if (cell.stale) classes.push("stale");
  if (cell.mentored) classes.push("mentored");
  return classes.join(" ");
}

function describe(member: string, topic: string, cell: HeatmapCell | null) {
  if (!cell) return `${member}, ${topic}: not rated`;
  const level = cell.level === null ? "not applicable" : `level ${cell.level}`;
  const parts = [
    `${member}, ${topic}: ${level} (${cell.source === "lead" ? "lead-validated" : "self-rated"})`,
  ];
  if (cell.target !== null) {
    const short = cell.level === null ? 0 : cell.target - cell.level;
    parts.push(short > 0 ? `target ${cell.target}, ${short} below` : `target ${cell.target}, met`);
  }
  if (cell.mentored) parts.push("mentored");
  if (cell.stale) parts.push("stale");
  return parts.join("; ");
}

const ARROWS: Record<string, [number, number]> = {
  ArrowUp: [-1, 0],
  ArrowDown: [1, 0],
  ArrowLeft: [0, -1],
  ArrowRight: [0, 1],
};

/**
 * Members × topics, grouped by category, with sticky headers. The grid is one tab stop:
 * arrow keys move between cells, Enter opens the member's topic.
 */
export function Heatmap({ map, query }: { map: HeatmapData; query: string }) {
  const [active, setActive] = useState<[number, number]>([0, 0]);

  function onKeyDown(event: KeyboardEvent<HTMLTableElement>) {
    const move = ARROWS[event.key];
    const target = event.target as HTMLElement;
    const row = Number(target.dataset.row);
    const col = Number(target.dataset.col);
    if (!move || Number.isNaN(row) || Number.isNaN(col)) return;
    event.preventDefault();
    const next: [number, number] = [
      Math.min(map.members.length - 1, Math.max(0, row + move[0])),
      Math.min(map.topics.length - 1, Math.max(0, col + move[1])),
    ];
    setActive(next);
    event.currentTarget
      .querySelector<HTMLElement>(`[data-row="${next[0]}"][data-col="${next[1]}"]`)
      ?.focus();
  }

  return (
    <>
      <ul className="hm-legend" aria-label="Legend">
        <li>
          <span className="hm-cell met">3</span> at or above target
        </li>
        <li>
          <span className="hm-cell short-1">2</span> 1 below
        </li>
        <li>
          <span className="hm-cell short-2">1</span> 2+ below
        </li>
        <li>
          <span className="hm-cell no-target">2</span> no target
        </li>
        <li>
          <span className="hm-cell na">–</span> not applicable (N/A)
        </li>
        <li>
          <span className="hm-cell unrated" /> not rated
        </li>
        <li>
          <span className="hm-cell met lead">3</span> lead-validated (outlined)
        </li>
        <li>
          <span className="hm-cell met stale">3</span> stale (faded)
        </li>
        <li>
          <span className="hm-cell short-1 mentored">2</span> has a mentor (dot)
        </li>
      </ul>
      <div className="heatmap-wrap">
        <table className="heatmap" onKeyDown={onKeyDown}>
          <caption className="visually-hidden">
            Level per member and topic: the lead-validated level where there is one, else the
            member&apos;s own. Use the arrow keys to move between cells.
          </caption>
          <thead>
            <tr className="hm-categories">
              <th scope="col" rowSpan={2} className="hm-corner">
                Member
              </th>
              {map.categories.map((c) => (
                <th key={c.id} scope="colgroup" colSpan={c.span} title={c.name}>
                  <span>{c.name}</span>
                </th>
              ))}
            </tr>
            <tr className="hm-topics">
              {map.topics.map((t) => (
                <th key={t.id} scope="col" title={t.name}>
                  <Link to={`/gaps/topics/${t.id}${query}`}>
                    <span>{t.name}</span>
                  </Link>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {map.members.map((m, r) => (
              <tr key={m.id}>
                <th scope="row">
                  <Link to={`/gaps/members/${m.id}${query}`}>{m.displayName}</Link>
                  {m.profile ? <span className="muted">{m.profile}</span> : null}
                </th>
                {map.topics.map((t, c) => {
                  const cell = m.cells[c] ?? null;
                  const label = describe(m.displayName, t.name, cell);
                  return (
                    <td key={t.id} className={cellClass(cell)}>
                      <Link
                        to={`/gaps/members/${m.id}${query}#topic-${t.id}`}
                        tabIndex={active[0] === r && active[1] === c ? 0 : -1}
                        data-row={r}
                        data-col={c}
                        aria-label={label}
                        title={label}
                        onFocus={() => setActive([r, c])}
                      >
                        {!cell || cell.source === null
                          ? ""
                          : cell.level === null
                            ? "–"
                            : cell.level}
                      </Link>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
