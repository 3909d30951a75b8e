import type { ReactNode } from "react";
import { useHydrated } from "~/lib/use-hydrated";

// Distinguishable in colour-blind palettes (Okabe–Ito); targets are drawn dashed.
export const PALETTE = [
  "#0072B2",
  "#E69F00",
  "#009E73",
  "#CC79A7",
  "#56B4E9",
  "#D55E00",
  "#999999",
  "#F0E442",
];

/** A chart's accessible wrapper: an image with a label that points at its table. */
export function ChartFrame({
  label,
  width,
  height,
  children,
}: {
  label: string;
  width: number;
  height: number;
  children: ReactNode;
}) {
  // Recharts measures the DOM, so charts draw in the browser only; the server sends the wrapper.
  const mounted = useHydrated();
  return (
    <div
      className="chart"
      role="img"
      aria-label={label}
      // Fills its card (the width is the size it was designed at, kept as a floor for tables of
      // many categories on a wide screen); the height is reserved before the chart draws.
      style={{ minHeight: height }}
      data-width={width}
    >
      {mounted ? children : null}
    </div>
  );
}

/** Legend entries take their series' colour by default, which is unreadable for pale ones. */
export const legendText = (value: string) => <span style={{ color: "#1f2937" }}>{value}</span>;

/** A chart's table alternative, folded under it (and unfolded when printed). */
export function TableToggle({ children }: { children: ReactNode }) {
  return (
    <details className="table-toggle">
      <summary>Show as table</summary>
      <div className="table-wrap">{children}</div>
    </details>
  );
}

/** The lines a category name takes beside a bar: at most two of about `perLine` characters,
 * the second cut with "…" when the name is longer still (the full name is the tick's title,
 * and in the tooltip and the table). */
export function tickLines(name: string, perLine = 22): string[] {
  const words = name.split(/\s+/);
  const lines: string[] = [];
  let line = "";
  for (const word of words) {
    if (line && `${line} ${word}`.length > perLine) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  if (lines.length <= 2 && lines.every((l) => l.length <= perLine)) return lines;
  const second = lines.slice(1).join(" ");
  return [
    lines[0]!.length > perLine ? `${lines[0]!.slice(0, perLine - 1)}…` : lines[0]!,
    ...(second ? [second.length > perLine ? `${second.slice(0, perLine - 1)}…` : second] : []),
  ];
}

/** A category axis tick that wraps its name instead of letting the axis cut it. */
export function WrappedTick({
  x,
  y,
  payload,
  textAnchor = "end",
}: {
  x?: number;
  y?: number;
  payload?: { value: string };
  textAnchor?: "start" | "end" | "middle" | "inherit";
}) {
  const name = payload?.value ?? "";
  const lines = tickLines(name);
  const anchor = textAnchor === "inherit" ? "end" : textAnchor;
  return (
    <text x={x} y={y} textAnchor={anchor} fontSize={12} fill="#374151">
      <title>{name}</title>
      {lines.map((line, i) => (
        <tspan
          key={i}
          x={x}
          dx={anchor === "end" ? -4 : 0}
          dy={i === 0 ? (lines.length > 1 ? -3 : 4) : 14}
        >
          {line}
        </tspan>
      ))}
    </text>
  );
}
