import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { decimal } from "~/lib/format";
import type { ReportSummary } from "~/modules/reports/generate-report.server";
import { ChartFrame, legendText, PALETTE, WrappedTick, TableToggle } from "./chart-frame";

/** Average level per category, as of the previous cycle and as of this one. */
export function CategoryBeforeAfterChart({
  categories,
  before,
  after,
}: {
  categories: ReportSummary["categories"];
  before: string;
  after: string;
}) {
  const data = categories.map((c) => ({
    name: c.name,
    before: c.averageBefore,
    after: c.averageAfter,
  }));
  return (
    <>
      <ChartFrame
        label={`Bar chart of the average level per category in ${before} and ${after}; the same figures are in the table below`}
        width={760}
        height={Math.max(220, categories.length * 44)}
      >
        <ResponsiveContainer width="100%" height={Math.max(220, categories.length * 44)}>
          <BarChart data={data} layout="vertical" margin={{ left: 0, right: 20, bottom: 16 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis
              type="number"
              domain={[0, 4]}
              ticks={[0, 1, 2, 3, 4]}
              label={{
                value: "Average level (0–4)",
                position: "insideBottom",
                offset: -8,
                fontSize: 12,
              }}
            />
            <YAxis type="category" dataKey="name" width={150} interval={0} tick={<WrappedTick />} />
            <Tooltip />
            <Legend formatter={legendText} />
            <Bar dataKey="before" name={before} fill={PALETTE[6]} isAnimationActive={false} />
            <Bar dataKey="after" name={after} fill={PALETTE[0]} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </ChartFrame>
      <TableToggle>
        <table>
          <caption>Average level and must-have targets met, per category</caption>
          <thead>
            <tr>
              <th scope="col">Category</th>
              <th scope="col">Average, {before}</th>
              <th scope="col">Average, {after}</th>
              <th scope="col">Must-have met, {before}</th>
              <th scope="col">Must-have met, {after}</th>
            </tr>
          </thead>
          <tbody>
            {categories.map((c) => (
              <tr key={c.categoryId}>
                <th scope="row">{c.name}</th>
                <td>{decimal(c.averageBefore)}</td>
                <td>{decimal(c.averageAfter)}</td>
                <td>
                  {c.mustHaveTotalBefore === null
                    ? "withheld"
                    : `${c.mustHaveMetBefore} of ${c.mustHaveTotalBefore}`}
                </td>
                <td>
                  {c.mustHaveMetAfter} of {c.mustHaveTotalAfter}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableToggle>
    </>
  );
}
