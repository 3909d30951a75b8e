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
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { useState } from "react";
import { decimal } from "~/lib/format";
import { ChartFrame, legendText, PALETTE, WrappedTick } from "./chart-frame";

export interface RadarRow {
  id: string;
  name: string;
  self: number | null;
  lead: number | null;
  target: number | null;
}

/** `whose`: "your" on one's own profile, the member's name (possessive) for a lead. */
export function ProfileRadar({ rows, whose = "your" }: { rows: RadarRow[]; whose?: string }) {
  const data = rows;
  return (
    <>
      <ChartFrame
        label={`Radar chart of ${whose} average self, lead and target level per category; the same figures are in the table below`}
        width={640}
        height={420}
      >
        <ResponsiveContainer width="100%" height={420}>
          <RadarChart data={data} outerRadius="62%">
            <PolarGrid />
            <PolarAngleAxis dataKey="name" tick={<WrappedTick />} />
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
        </ResponsiveContainer>
      </ChartFrame>
      <div className="table-wrap">
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
      </div>
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
  // Eight lines at most, each its own colour of the palette: with more categories the reader
  // picks which to draw (the table below has them all).
  const [shown, setShown] = useState(() => categories.slice(0, PALETTE.length).map((c) => c.id));
  const drawn = categories.filter((c) => shown.includes(c.id));
  return (
    <>
      {categories.length > PALETTE.length ? (
        <fieldset className="series-chooser">
          <legend>
            Categories drawn ({drawn.length} of at most {PALETTE.length})
          </legend>
          {categories.map((c) => (
            <label key={c.id}>
              <input
                type="checkbox"
                checked={shown.includes(c.id)}
                disabled={!shown.includes(c.id) && shown.length >= PALETTE.length}
                onChange={(e) =>
                  setShown((now) =>
                    e.target.checked ? [...now, c.id] : now.filter((id) => id !== c.id),
                  )
                }
              />{" "}
              {c.name}
            </label>
          ))}
        </fieldset>
      ) : null}
      <ChartFrame
        label={`Line chart of ${whose} average self level per category over the review cycles; the same figures are in the table below`}
        width={760}
        height={360}
      >
        <ResponsiveContainer width="100%" height={360}>
          <LineChart data={data} margin={{ top: 10, right: 20, bottom: 10, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="cycle" />
            <YAxis
              domain={[0, 4]}
              tickCount={5}
              label={{ value: "Average level", angle: -90, position: "insideLeft", fontSize: 12 }}
            />
            <Tooltip />
            <Legend formatter={legendText} />
            {drawn.map((c, i) => (
              <Line
                key={c.id}
                type="monotone"
                dataKey={c.id}
                name={c.name}
                stroke={PALETTE[i]}
                connectNulls
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
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
