import { Link, useNavigate } from "@remix-run/react";
import {
  memo,
  useEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
  type MouseEvent,
} from "react";
import { cellAt, type HeatmapCell } from "~/modules/gaps/heatmap-payload";
import type { HeatmapPayload } from "~/modules/gaps/team-gaps.server";

// The page carries each cell as a short class and its level only (6,000 cells for 100 people
// × 60 topics): the words for a cell are made here, once, for the cell in focus (its
// accessible name) and the cell under the pointer or in focus (the tooltip), from describe().

export type HeatmapAxis = "people" | "topics";

type Member = HeatmapPayload["members"][number];
type Topic = HeatmapPayload["topics"][number];
type Category = HeatmapPayload["categories"][number] & { first: number };

/** One line or column of the grid besides the people: a topic, or a folded category. */
type Line =
  { kind: "topic"; topic: Topic; index: number } | { kind: "category"; category: Category };

function cellClass(cell: HeatmapCell | null) {
  if (!cell) return undefined;
  const classes = [
    cell.level === null
      ? "na"
      : cell.target === null
        ? "nt"
        : cell.level >= cell.target
          ? "met"
          : cell.target - cell.level >= 2
            ? "s2"
            : "s1",
  ];
  if (cell.source === "lead") classes.push("lv");
  if (cell.stale) classes.push("st");
  if (cell.mentored) classes.push("mt");
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

/** A folded category's cell: how many of its topics the member is below target on. */
function categorySummary(member: Member, category: Category) {
  let below = 0;
  let targets = 0;
  for (let i = category.first; i < category.first + category.span; i++) {
    const cell = cellAt(member.cells, i);
    if (cell?.target == null) continue;
    targets += 1;
    if (cell.level !== null && cell.level < cell.target) below += 1;
  }
  return {
    below,
    className: targets === 0 ? "nt" : below === 0 ? "met" : "s1",
    label: `${member.displayName}, ${category.name}: ${below} of ${category.span} topics below target`,
  };
}

function cellOf(member: Member, line: Line) {
  if (line.kind === "category") {
    const summary = categorySummary(member, line.category);
    return {
      className: `${summary.className} sum`,
      text: String(summary.below),
      label: () => summary.label,
    };
  }
  const cell = cellAt(member.cells, line.index);
  return {
    className: cellClass(cell),
    text: !cell ? "" : cell.level === null ? "–" : String(cell.level),
    // Worded only when asked (the cell in focus, the tooltip): not for each of 6,000 cells.
    label: () => describe(member.displayName, line.topic.name, cell),
  };
}

const ARROWS: Record<string, [number, number]> = {
  ArrowUp: [-1, 0],
  ArrowDown: [1, 0],
  ArrowLeft: [0, -1],
  ArrowRight: [0, 1],
};

/** Where a topic opens (its gap view) and a person (their gaps). */
const topicHref = (topic: Topic, query: string) => `/gaps/topics/${topic.id}${query}`;
const memberHref = (member: Member, query: string) => `/gaps/members/${member.id}${query}`;

/**
 * Angled column labels run over the headers to their right: each header sits above the next
 * (sticky headers paint their background over what came before them otherwise).
 */
const stackAbove = (index: number, count: number) => ({ zIndex: 2 + count - index });

function LineHeader({
  line,
  query,
  scope,
  z,
}: {
  line: Line;
  query: string;
  scope: "col" | "row";
  z?: { zIndex: number };
}) {
  if (line.kind === "category")
    return (
      <th scope={scope} className="hm-folded" style={z}>
        <span>
          {line.category.name} ({line.category.span})
        </span>
      </th>
    );
  return (
    <th scope={scope} style={z}>
      <Link to={topicHref(line.topic, query)}>
        <span>{line.topic.name}</span>
      </Link>
    </th>
  );
}

function MemberHeader({
  member,
  query,
  scope,
  z,
}: {
  member: Member;
  query: string;
  scope: "col" | "row";
  z?: { zIndex: number };
}) {
  return (
    <th scope={scope} style={z}>
      <Link to={memberHref(member, query)}>
        <span>{member.displayName}</span>
      </Link>
      {scope === "row" && member.profile ? <span className="muted">{member.profile}</span> : null}
    </th>
  );
}

function Cells({ cells, activeCol }: { cells: ReturnType<typeof cellOf>[]; activeCol: number }) {
  return cells.map((cell, c) => (
    <td
      key={c}
      className={cell.className}
      tabIndex={c === activeCol ? 0 : undefined}
      aria-label={c === activeCol ? cell.label() : undefined}
    >
      {cell.text}
    </td>
  ));
}

/**
 * A person's row (people × topics). Rows are memoised on stable props: moving through
 * 6,000 cells, or a tooltip following the pointer, redraws at most the two rows concerned.
 */
const PersonRow = memo(function PersonRow(props: {
  r: number;
  member: Member;
  lines: Line[];
  query: string;
  activeCol: number;
}) {
  return (
    <tr data-r={props.r}>
      <MemberHeader member={props.member} query={props.query} scope="row" />
      <Cells
        cells={props.lines.map((line) => cellOf(props.member, line))}
        activeCol={props.activeCol}
      />
    </tr>
  );
});

/** A topic's (or folded category's) row (topics × people). */
const LineRow = memo(function LineRow(props: {
  r: number;
  line: Line;
  members: Member[];
  query: string;
  activeCol: number;
}) {
  return (
    <tr data-r={props.r}>
      <LineHeader line={props.line} query={props.query} scope="row" />
      <Cells
        cells={props.members.map((member) => cellOf(member, props.line))}
        activeCol={props.activeCol}
      />
    </tr>
  );
});

/**
 * People × topics (or topics × people), topics grouped under their categories, any category
 * folded into one column of "topics below target". The grid is one tab stop: arrow keys move
 * between cells, Enter opens the person's topic (or unfolds a folded category).
 */
export function Heatmap({
  map,
  query,
  axis,
}: {
  map: HeatmapPayload;
  query: string;
  axis: HeatmapAxis;
}) {
  const navigate = useNavigate();
  const [folded, setFolded] = useState<ReadonlySet<string>>(() => new Set());
  const [active, setActive] = useState<[number, number]>([0, 0]);
  const [tip, setTip] = useState<{ text: string; x: number; y: number } | null>(null);
  const table = useRef<HTMLTableElement>(null);
  const moved = useRef(false);

  const categories = useMemo(() => {
    let first = 0;
    return map.categories.map((c) => {
      const category = { ...c, first };
      first += c.span;
      return category;
    });
  }, [map.categories]);
  const lines = useMemo(
    () =>
      categories.flatMap<Line>((category) =>
        folded.has(category.id)
          ? [{ kind: "category", category }]
          : map.topics
              .slice(category.first, category.first + category.span)
              .map((topic, i) => ({ kind: "topic", topic, index: category.first + i })),
      ),
    [categories, folded, map.topics],
  );

  // The grid's rows and columns: people down and lines across, or the other way round.
  const rows = axis === "people" ? map.members.length : lines.length;
  const cols = axis === "people" ? lines.length : map.members.length;
  const at = (r: number, c: number) =>
    axis === "people"
      ? { member: map.members[r]!, line: lines[c]! }
      : { member: map.members[c]!, line: lines[r]! };

  useEffect(() => {
    if (!moved.current) return;
    moved.current = false;
    table.current?.querySelector<HTMLElement>('td[tabindex="0"]')?.focus();
  }, [active]);

  // A fold, an unfold or a turned grid can leave the active cell outside it.
  const [ar, ac] = [Math.min(active[0], rows - 1), Math.min(active[1], cols - 1)];

  function toggle(category: string) {
    setFolded((current) => {
      const next = new Set(current);
      if (!next.delete(category)) next.add(category);
      return next;
    });
  }

  function open(r: number, c: number) {
    const { member, line } = at(r, c);
    if (line.kind === "category") toggle(line.category.id);
    else navigate(`${memberHref(member, query)}#topic-${line.topic.id}`);
  }

  /** The grid position of a body cell, from where it sits in the table. */
  function position(target: EventTarget): [number, number] | null {
    const td = (target as HTMLElement).closest?.("td");
    const r = Number(td?.parentElement?.dataset.r);
    if (!td || Number.isNaN(r)) return null;
    return [r, td.cellIndex - 1];
  }

  function showTip(td: HTMLElement, r: number, c: number) {
    const box = td.getBoundingClientRect();
    const { member, line } = at(r, c);
    setTip({ text: cellOf(member, line).label(), x: box.left + box.width / 2, y: box.bottom + 6 });
  }

  function onKeyDown(event: KeyboardEvent<HTMLTableElement>) {
    const here = position(event.target);
    if (!here) return;
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      open(...here);
      return;
    }
    const move = ARROWS[event.key];
    if (!move) return;
    event.preventDefault();
    moved.current = true;
    setActive([
      Math.min(rows - 1, Math.max(0, here[0] + move[0])),
      Math.min(cols - 1, Math.max(0, here[1] + move[1])),
    ]);
  }

  const onClick = (event: MouseEvent) => {
    const here = position(event.target);
    if (!here) return;
    setActive(here);
    open(...here);
  };
  const onPointer = (event: MouseEvent) => {
    const here = position(event.target);
    if (here) showTip((event.target as HTMLElement).closest("td")!, ...here);
    else setTip(null);
  };
  const onFocus = (event: React.FocusEvent) => {
    const here = position(event.target);
    if (here) showTip(event.target as HTMLElement, ...here);
  };

  const foldButton = (category: Category) => (
    <button
      type="button"
      className="hm-fold"
      aria-expanded={!folded.has(category.id)}
      onClick={() => toggle(category.id)}
      title={category.name}
    >
      <span aria-hidden="true">{folded.has(category.id) ? "+" : "−"}</span> {category.name}
    </button>
  );

  const body =
    axis === "people"
      ? map.members.map((member, r) => (
          <PersonRow
            key={member.id}
            r={r}
            member={member}
            lines={lines}
            query={query}
            activeCol={r === ar ? ac : -1}
          />
        ))
      : categories.flatMap((category) => {
          const own = lines
            .map((line, r) => ({ line, r }))
            .filter(
              ({ line }) =>
                (line.kind === "category" ? line.category.id : line.topic.categoryId) ===
                category.id,
            );
          return [
            <tr key={`g-${category.id}`} className="hm-group">
              <th scope="rowgroup" colSpan={map.members.length + 1}>
                {foldButton(category)}
              </th>
            </tr>,
            ...own.map(({ line, r }) => (
              <LineRow
                key={line.kind === "topic" ? line.topic.id : `c-${category.id}`}
                r={r}
                line={line}
                members={map.members}
                query={query}
                activeCol={r === ar ? ac : -1}
              />
            )),
          ];
        });

  return (
    <>
      <ul className="hm-legend" aria-label="Legend">
        <li>
          <span className="hm-key met">3</span> at or above target
        </li>
        <li>
          <span className="hm-key s1">2</span> 1 below
        </li>
        <li>
          <span className="hm-key s2">1</span> 2+ below
        </li>
        <li>
          <span className="hm-key nt">2</span> no target
        </li>
        <li>
          <span className="hm-key na">–</span> not applicable (N/A)
        </li>
        <li>
          <span className="hm-key" /> not rated
        </li>
        <li>
          <span className="hm-key met lv">3</span> lead-validated (outlined)
        </li>
        <li>
          <span className="hm-key met st">3</span> stale (faded)
        </li>
        <li>
          <span className="hm-key s1 mt">2</span> has a mentor (dot)
        </li>
      </ul>
      <div className="heatmap-wrap" onScroll={() => setTip(null)}>
        <table
          ref={table}
          className={`heatmap by-${axis}`}
          onKeyDown={onKeyDown}
          onClick={onClick}
          onMouseOver={onPointer}
          onMouseLeave={() => setTip(null)}
          onFocus={onFocus}
          onBlur={() => setTip(null)}
        >
          <caption className="visually-hidden">
            Level per {axis === "people" ? "person and topic" : "topic and person"}: the
            lead-validated level where there is one, else the person&apos;s own. Use the arrow keys
            to move between cells, Enter to open one.
          </caption>
          <thead>
            {axis === "people" ? (
              <>
                <tr className="hm-categories">
                  <th scope="col" rowSpan={2} className="hm-corner">
                    Person
                  </th>
                  {categories.map((c) => (
                    <th key={c.id} scope="colgroup" colSpan={folded.has(c.id) ? 1 : c.span}>
                      {foldButton(c)}
                    </th>
                  ))}
                </tr>
                <tr className="hm-topics">
                  {lines.map((line, c) => (
                    <LineHeader
                      key={line.kind === "topic" ? line.topic.id : `c-${line.category.id}`}
                      line={line}
                      query={query}
                      scope="col"
                      z={stackAbove(c, lines.length)}
                    />
                  ))}
                </tr>
              </>
            ) : (
              <tr className="hm-topics">
                <th scope="col" className="hm-corner">
                  Topic
                </th>
                {map.members.map((member, c) => (
                  <MemberHeader
                    key={member.id}
                    member={member}
                    query={query}
                    scope="col"
                    z={stackAbove(c, map.members.length)}
                  />
                ))}
              </tr>
            )}
          </thead>
          <tbody>{body}</tbody>
        </table>
      </div>
      {tip ? (
        // The same words as the focused cell's name, shown to the eye; screen readers have the name.
        <div className="hm-tip" aria-hidden="true" style={{ left: tip.x, top: tip.y }}>
          {tip.text}
        </div>
      ) : null}
    </>
  );
}
