import type { ReactNode } from "react";
import { useDates } from "~/components/dates";
import { useSortedRows } from "~/components/sortable";

export interface OutboxRow {
  id: string;
  kind: string;
  recipient_email: string;
  subject: string;
  body_text: string;
  status: string;
  attempts: number;
  last_error: string | null;
  created_at: string | Date;
  sent_at: string | Date | null;
}

/** The badge tone of each delivery status, here and on the channel deliveries' table. */
export const STATUS_TONE: Record<string, string> = {
  pending: "warning",
  sending: "lead",
  sent: "success",
  failed: "danger",
};

/** Messages with their status and, on demand, their text; `action` adds a per-row control. */
export function OutboxTable({
  rows,
  showRecipient,
  action,
}: {
  rows: OutboxRow[];
  showRecipient: boolean;
  action?: (row: OutboxRow) => ReactNode;
}) {
  const { dateTime } = useDates();
  const table = useSortedRows("messages", rows, {
    written: (row) => new Date(row.created_at).getTime(),
    to: (row) => row.recipient_email,
    message: (row) => row.subject,
    status: (row) => row.status,
  });
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            {table.header("written", "Written")}
            {showRecipient ? table.header("to", "To") : null}
            {table.header("message", "Message")}
            {table.header("status", "Status")}
            {action ? (
              <th scope="col">
                <span className="visually-hidden">Action</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {table.sorted.map((row) => (
            <tr key={row.id}>
              <td className="nowrap">{dateTime(row.created_at)}</td>
              {showRecipient ? <td>{row.recipient_email}</td> : null}
              <td>
                <details>
                  <summary>{row.subject}</summary>
                  <pre className="message-body">{row.body_text}</pre>
                </details>
              </td>
              <td>
                <span className={`badge ${STATUS_TONE[row.status] ?? ""}`}>{row.status}</span>
                {row.status === "sent" ? (
                  <span className="muted"> {dateTime(row.sent_at)}</span>
                ) : null}
                {row.last_error ? (
                  <div className="muted">
                    After {row.attempts} attempt{row.attempts === 1 ? "" : "s"}: {row.last_error}
                  </div>
                ) : null}
              </td>
              {action ? <td>{action(row)}</td> : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
