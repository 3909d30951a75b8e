import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  PolarAngleAxis,
  PolarGrid,
  PolarRadiusAxis,
  Radar,
  RadarChart,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { decimal } from "~/lib/format";
import { ChartFrame, legendText, PALETTE } from "./chart-frame";

export interface RadarRow {
  id: string;
  name: string;
  self: number | null;
  lead: number | null;
  target: number | null;
}

/** `whose`: "your" on one's own profile, the member's name (possessive) for a lead. */
export function ProfileRadar({ rows, whose = "your" }: { rows: RadarRow[]; whose?: string }) {
  const data = rows.map((r) => ({
    ...r,
    short: r.name.length > 22 ? `${r.name.slice(0, 20)}…` : r.name,
  }));
  return (
    <>
      <ChartFrame
        label={`Radar chart of ${whose} average self, lead and target level per category; the same figures are in the table below`}
        width={640}
        height={420}
      >
        <RadarChart width={640} height={420} data={data} outerRadius={140}>
          <PolarGrid />
          <PolarAngleAxis dataKey="short" tick={{ fontSize: 11 }} />
          <PolarRadiusAxis domain={[0, 4]} tickCount={5} angle={90} />
          <Radar
            name="Self"
            dataKey="self"
            stroke={PALETTE[0]}
            fill={PALETTE[0]}
            fillOpacity={0.2}
          />
          <Radar
            name="Lead"
            dataKey="lead"
            stroke={PALETTE[1]}
            fill={PALETTE[1]}
            fillOpacity={0.1}
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
      </ChartFrame>
      <table>
        <caption>Average level by category (0–4, N/A excluded)</caption>
        <thead>
          <tr>
            <th scope="col">Category</th>
            <th scope="col">Self</th>
            <th scope="col">Lead</th>
            <th scope="col">Target</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <th scope="row">{r.name}</th>
              <td>{decimal(r.self)}</td>
              <td>{decimal(r.lead)}</td>
              <td>{decimal(r.target)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

export function ProfileHistory({
  categories,
  points,
  whose = "your",
}: {
  whose?: string;
  categories: { id: string; name: string }[];
  points: { cycleId: string; cycleName: string; categories: Record<string, number | null> }[];
}) {
  const data = points.map((p) => ({ cycle: p.cycleName, ...p.categories }));
  return (
    <>
      <ChartFrame
        label={`Line chart of ${whose} average self level per category over the review cycles; the same figures are in the table below`}
        width={760}
        height={360}
      >
        <LineChart
          width={760}
          height={360}
          data={data}
          margin={{ top: 10, right: 20, bottom: 10, left: 0 }}
        >
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="cycle" />
          <YAxis domain={[0, 4]} tickCount={5} />
          <Tooltip />
          <Legend formatter={legendText} />
          {categories.map((c, i) => (
            <Line
              key={c.id}
              type="monotone"
              dataKey={c.id}
              name={c.name}
              stroke={PALETTE[i % PALETTE.length]}
              strokeDasharray={i >= PALETTE.length ? "4 3" : undefined}
              connectNulls
            />
          ))}
        </LineChart>
      </ChartFrame>
      <details>
        <summary>Show as table</summary>
        <div className="table-wrap">
          <table>
            <caption>Average self level per category, by cycle</caption>
            <thead>
              <tr>
                <th scope="col">Category</th>
                {points.map((p) => (
                  <th scope="col" key={p.cycleId}>
                    {p.cycleName}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {categories.map((c) => (
                <tr key={c.id}>
                  <th scope="row">{c.name}</th>
                  {points.map((p) => (
                    <td key={p.cycleId}>{decimal(p.categories[c.id])}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </>
  );
}
