import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  PolarAngleAxis,
  PolarGrid,
  PolarRadiusAxis,
  Radar,
  RadarChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import type { CategoryGap, TrendPoint } from "~/modules/gaps/team-gaps.server";
import { ChartFrame, legendText, PALETTE, TableToggle, WrappedTick } from "./chart-frame";
import { decimal, percent } from "~/lib/format";

/** Sequential blues: darker is higher; level 0 keeps an outline so it stays visible. */
export const LEVEL_COLOURS = ["#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"];
// The pages pass only categories whose figures are shown (privacy-floor.ts).
const NO_LEVELS = [0, 0, 0, 0, 0];
const LEVEL_NAMES = ["0 None", "1 Aware", "2 Working", "3 Proficient", "4 Expert"];

export function CategoryGapChart({ categories }: { categories: CategoryGap[] }) {
  const data = categories.map((c) => ({ name: c.name, gap: c.averageGap ?? 0 }));
  const height = 40 + categories.length * 40;
  return (
    <>
      <ChartFrame
        label="Bar chart of the average gap to target by category; the same figures are in the table below"
        width={640}
        height={height}
      >
        <ResponsiveContainer width="100%" height={height}>
          <BarChart data={data} layout="vertical" margin={{ left: 0, right: 16, bottom: 16 }}>
            <CartesianGrid strokeDasharray="3 3" horizontal={false} />
            <XAxis
              type="number"
              domain={[0, "auto"]}
              allowDecimals
              label={{
                value: "Average levels below target",
                position: "insideBottom",
                offset: -8,
                fontSize: 12,
              }}
            />
            <YAxis type="category" dataKey="name" width={150} interval={0} tick={<WrappedTick />} />
            <Tooltip />
            <Bar dataKey="gap" name="Average levels short" fill={PALETTE[5]} />
          </BarChart>
        </ResponsiveContainer>
      </ChartFrame>
      <TableToggle>
        <table>
          <caption>Average gap to target by category (levels short, over rated topics)</caption>
          <thead>
            <tr>
              <th scope="col">Category</th>
              <th scope="col">Average gap</th>
              <th scope="col">Must-have met</th>
            </tr>
          </thead>
          <tbody>
            {categories.map((c) => (
              <tr key={c.categoryId}>
                <th scope="row">{c.name}</th>
                <td>{decimal(c.averageGap, 2)}</td>
                <td>{percent(c.mustHaveMet ?? 0, c.mustHaveTotal ?? 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableToggle>
    </>
  );
}

export function LevelMixChart({ categories }: { categories: CategoryGap[] }) {
  // Shares, not counts: categories of 4 and of 6 topics compare on one scale.
  const data = categories.map((c) => {
    const levels = c.levels ?? NO_LEVELS;
    const rated = levels.reduce((sum, n) => sum + n, 0) + c.notApplicable;
    const share = (n: number) => (rated ? Math.round((n / rated) * 1000) / 10 : 0);
    return {
      name: c.name,
      ...Object.fromEntries(levels.map((count, level) => [`l${level}`, share(count)])),
      na: share(c.notApplicable),
    };
  });
  const height = 90 + categories.length * 40;
  return (
    <>
      <ChartFrame
        label="Stacked bar chart of the share of each category's ratings at each level; the counts are in the table below"
        width={640}
        height={height}
      >
        <ResponsiveContainer width="100%" height={height}>
          <BarChart data={data} layout="vertical" margin={{ left: 0, right: 16, bottom: 16 }}>
            <CartesianGrid strokeDasharray="3 3" horizontal={false} />
            <XAxis
              type="number"
              domain={[0, 100]}
              ticks={[0, 25, 50, 75, 100]}
              unit=" %"
              label={{
                value: "Share of the category's ratings",
                position: "insideBottom",
                offset: -8,
                fontSize: 12,
              }}
            />
            <YAxis type="category" dataKey="name" width={150} interval={0} tick={<WrappedTick />} />
            <Tooltip formatter={(value) => `${String(value)} %`} />
            <Legend formatter={legendText} />
            {LEVEL_NAMES.map((name, level) => (
              <Bar
                key={name}
                dataKey={`l${level}`}
                name={name}
                stackId="levels"
                fill={LEVEL_COLOURS[level]}
                stroke="#6b7280"
                strokeWidth={0.5}
              />
            ))}
            <Bar dataKey="na" name="N/A" stackId="levels" fill="#e5e7eb" />
          </BarChart>
        </ResponsiveContainer>
      </ChartFrame>
      <TableToggle>
        <table>
          <caption>Ratings at each level by category (people × topics)</caption>
          <thead>
            <tr>
              <th scope="col">Category</th>
              {LEVEL_NAMES.map((name) => (
                <th scope="col" key={name}>
                  {name}
                </th>
              ))}
              <th scope="col">N/A</th>
              <th scope="col">Not rated</th>
            </tr>
          </thead>
          <tbody>
            {categories.map((c) => (
              <tr key={c.categoryId}>
                <th scope="row">{c.name}</th>
                {(c.levels ?? NO_LEVELS).map((count, level) => (
                  <td key={level}>{count}</td>
                ))}
                <td>{c.notApplicable}</td>
                <td>{c.unrated}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableToggle>
    </>
  );
}

export function TeamRadarChart({ categories }: { categories: CategoryGap[] }) {
  const data = categories.map((c) => ({
    name: c.name,
    level: c.averageLevel,
    target: c.averageTarget,
  }));
  return (
    <>
      <ChartFrame
        label="Radar chart of the team's average level against the average target per category; the same figures are in the table below"
        width={600}
        height={400}
      >
        <ResponsiveContainer width="100%" height={400}>
          <RadarChart data={data} outerRadius="65%">
            <PolarGrid />
            <PolarAngleAxis dataKey="name" tick={<WrappedTick />} />
            <PolarRadiusAxis domain={[0, 4]} tickCount={5} angle={90} />
            <Radar
              name="Team"
              dataKey="level"
              stroke={PALETTE[0]}
              fill={PALETTE[0]}
              fillOpacity={0.25}
            />
            <Radar
              name="Target"
              dataKey="target"
              stroke={PALETTE[2]}
              fill="none"
              strokeDasharray="6 4"
              strokeWidth={2}
            />
            <Legend formatter={legendText} />
            <Tooltip />
          </RadarChart>
        </ResponsiveContainer>
      </ChartFrame>
      <TableToggle>
        <table>
          <caption>Average level and target by category</caption>
          <thead>
            <tr>
              <th scope="col">Category</th>
              <th scope="col">Team</th>
              <th scope="col">Target</th>
            </tr>
          </thead>
          <tbody>
            {categories.map((c) => (
              <tr key={c.categoryId}>
                <th scope="row">{c.name}</th>
                <td>{decimal(c.averageLevel)}</td>
                <td>{decimal(c.averageTarget)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableToggle>
    </>
  );
}

export function MustHaveTrendChart({
  points,
  height = 280,
}: {
  points: TrendPoint[];
  height?: number;
}) {
  const data = points.map((p) => ({
    cycle: p.cycleName,
    share: p.total ? Math.round((p.met / p.total) * 100) : null,
  }));
  return (
    <>
      <ChartFrame
        label="Line chart of the share of must-have targets met in each cycle; the same figures are in the table below"
        width={640}
        height={height}
      >
        <ResponsiveContainer width="100%" height={height}>
          <LineChart data={data} margin={{ top: 10, right: 20 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="cycle" />
            <YAxis domain={[0, 100]} unit="%" />
            <Tooltip />
            <Line
              type="monotone"
              dataKey="share"
              name="Must-have met"
              stroke={PALETTE[2]}
              connectNulls
            />
          </LineChart>
        </ResponsiveContainer>
      </ChartFrame>
      <TableToggle>
        <table>
          <caption>Must-have targets met, by cycle</caption>
          <thead>
            <tr>
              <th scope="col">Cycle</th>
              <th scope="col">Met</th>
              <th scope="col">Rated</th>
              <th scope="col">Share</th>
            </tr>
          </thead>
          <tbody>
            {points.map((p) => (
              <tr key={p.cycleId}>
                <th scope="row">{p.cycleName}</th>
                <td>{p.met}</td>
                <td>{p.total}</td>
                <td>{percent(p.met, p.total)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableToggle>
    </>
  );
}
