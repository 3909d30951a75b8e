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
      style={{ maxWidth: width, minHeight: height }}
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
