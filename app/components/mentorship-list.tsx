import { Link } from "@remix-run/react";
import type { MentorshipSummary } from "~/modules/mentoring/mentorships.server";

const STATUS_TONE: Record<string, string> = {
  proposed: "warning",
  active: "success",
  completed: "lead",
  cancelled: "",
  declined: "",
};

const level = (value: number | null) => (value === null ? "—" : String(value));

/** Mentorships as a table: who, what, the level before and now, and the check-in rhythm. */
export function MentorshipTable({
  mentorships,
  caption,
}: {
  mentorships: MentorshipSummary[];
  caption: string;
}) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Mentee</th>
            <th scope="col">Mentor</th>
            <th scope="col">Topic</th>
            <th scope="col">Level before → now (goal)</th>
            <th scope="col">Next check-in</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {mentorships.map((m) => (
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
                {m.nextCheckIn ?? "—"}
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
