import { Link } from "@remix-run/react";
import { useDates } from "~/components/dates";
import { useSortedRows } from "~/components/sortable";
import type { MentorshipSummary } from "~/modules/mentoring/mentorships.server";

const STATUS_TONE: Record<string, string> = {
  proposed: "warning",
  active: "success",
  completed: "lead",
  cancelled: "",
  declined: "",
};

const level = (value: number | null) => (value === null ? "—" : String(value));

/**
 * Mentorships as a table: who, what, the level before and now, and the check-in rhythm,
 * sortable by any column (the order in the URL under the caption's name).
 */
export function MentorshipTable({
  mentorships,
  caption,
}: {
  mentorships: MentorshipSummary[];
  caption: string;
}) {
  const { date } = useDates();
  const table = useSortedRows(caption.toLowerCase().replace(/[^a-z0-9]+/g, "-"), mentorships, {
    mentee: (m) => m.menteeName,
    mentor: (m) => m.mentorName,
    topic: (m) => m.topicName,
    level: (m) => m.levelNow,
    next: (m) => m.nextCheckIn,
    status: (m) => m.status,
  });
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {table.header("mentee", "Mentee")}
            {table.header("mentor", "Mentor")}
            {table.header("topic", "Topic")}
            {table.header("level", "Level before → now (goal)")}
            {table.header("next", "Next check-in")}
            {table.header("status", "Status")}
          </tr>
        </thead>
        <tbody>
          {table.sorted.map((m) => (
            <tr key={m.id}>
              <th scope="row">
                <Link to={`/mentoring/${m.id}`}>{m.menteeName}</Link>
              </th>
              <td>{m.mentorName}</td>
              <td>{m.topicName}</td>
              <td>
                {level(m.levelBefore)} → {level(m.levelNow)} ({m.goalLevel})
              </td>
              <td>
                {date(m.nextCheckIn)}
                {m.overdue ? <span className="badge danger">Overdue</span> : null}
              </td>
              <td>
                <span className={`badge ${STATUS_TONE[m.status] ?? ""}`}>{m.status}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
