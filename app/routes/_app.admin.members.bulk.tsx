import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useId } from "react";
import { z } from "zod";
import { Field, FormError, failureOf, FormSuccess } from "~/components/forms";
import { handleFormErrors } from "~/lib/errors.server";
import { parseFormData } from "~/lib/forms.server";
import { clientIp } from "~/lib/request.server";
import { requireMember } from "~/modules/accounts/auth.server";
import {
  BULK_INVITE_LIMIT,
  invitationListFrom,
  previewBulkInvitations,
  sendBulkInvitations,
  type InvitationRow,
} from "~/modules/accounts/bulk-invitations.server";
import { readImportForm } from "~/modules/frameworks/framework-import.server";

export const meta: MetaFunction = () => [{ title: "Invite many people · Gapmap" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireMember(request, "admin");
  return { limit: BULK_INVITE_LIMIT };
}

const IntentSchema = z.object({
  intent: z.enum(["preview", "send"], { message: "Choose preview or send" }),
});

export async function action({ request, context }: ActionFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  return handleFormErrors(async () => {
    // The same bounded reader as the framework import: a pasted list or an uploaded file.
    const form = await readImportForm(request);
    const { intent } = parseFormData(form, IntentSchema);
    const { text, fileName } = await invitationListFrom(form);
    if (intent === "preview") {
      return {
        ok: true as const,
        preview: await previewBulkInvitations(ctx.organization.id, text),
        text,
        fileName,
      };
    }
    return { ok: true as const, sent: await sendBulkInvitations(ctx, text, clientIp(context)) };
  });
}

const STATUS_LABEL: Record<InvitationRow["status"], string> = {
  ready: "Will be invited",
  invited: "Already invited",
  member: "Already a member",
  deactivated: "Deactivated member",
  repeated: "Repeated",
  error: "Error",
};

export default function BulkInvitations() {
  const { limit } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const failure = failureOf(result);
  const busy = useNavigation().state === "submitting";
  const textId = useId();
  const preview =
    result && "preview" in result && result.preview
      ? { rows: result.preview, text: result.text ?? "", fileName: result.fileName ?? null }
      : null;
  const sent = result && "sent" in result ? result.sent : null;
  const textError = failure?.fieldErrors.text;
  return (
    <>
      <div className="page-header">
        <div>
          <p>
            <Link to="/admin/members">← Members</Link>
          </p>
          <h1>Invite many people</h1>
          <p>
            Paste email addresses, or upload a CSV. You see every row, and what is wrong with it,
            before anything is sent. Up to {limit.toLocaleString("en-GB")} at once; people already
            invited or already members are skipped.
          </p>
        </div>
      </div>
      <FormError failure={failure} />
      <div aria-live="polite">
        {sent ? (
          <FormSuccess>
            Sent {sent.sent} {sent.sent === 1 ? "invitation" : "invitations"}.
            {sent.skipped.length ? ` Skipped ${sent.skipped.length}:` : ""}
            {sent.skipped.length ? (
              <ul>
                {sent.skipped.map((s) => (
                  <li key={s.row}>
                    Row {s.row} ({s.email || "no email"}): {s.notes.join("; ")}
                  </li>
                ))}
              </ul>
            ) : null}
          </FormSuccess>
        ) : null}
      </div>

      <section className="card" aria-labelledby="list-heading">
        <h2 id="list-heading">The list</h2>
        <Form method="post" encType="multipart/form-data" className="stack" noValidate>
          <input type="hidden" name="intent" value="preview" />
          <div className="field">
            <label htmlFor={textId}>Email addresses</label>
            <textarea
              id={textId}
              name="text"
              rows={8}
              style={{ width: "100%", boxSizing: "border-box" }}
              defaultValue={preview && !preview.fileName ? preview.text : ""}
              aria-invalid={textError ? true : undefined}
              aria-describedby={`${textId}-hint${textError ? ` ${textId}-error` : ""}`}
            />
            <span id={`${textId}-hint`} className="hint">
              Separated by commas, semicolons or new lines. Or paste a CSV whose first row names its
              columns.
            </span>
            {textError ? (
              <span id={`${textId}-error`} className="field-error">
                {textError}
              </span>
            ) : null}
          </div>
          <Field
            type="file"
            label="Or upload a CSV file"
            name="file"
            accept=".csv,text/csv,text/plain"
            style={{ maxWidth: "100%" }}
            error={failure?.fieldErrors.file}
            hint={
              <>
                Columns <code>email</code>, <code>name</code>, <code>team</code>, <code>role</code>{" "}
                (engineer, lead or admin; engineer when empty) and <code>target profile</code>; only
                email is required. A file takes precedence over pasted text.
              </>
            }
          />
          <div>
            <button type="submit" disabled={busy}>
              Preview
            </button>
          </div>
        </Form>
      </section>

      {preview ? <PreviewSection rows={preview.rows} text={preview.text} busy={busy} /> : null}
    </>
  );
}

function PreviewSection({
  rows,
  text,
  busy,
}: {
  rows: InvitationRow[];
  text: string;
  busy: boolean;
}) {
  const ready = rows.filter((r) => r.status === "ready").length;
  const errors = rows.filter((r) => r.status === "error");
  const skipped = rows.length - ready - errors.length;
  return (
    <section className="card" aria-labelledby="preview-heading">
      <h2 id="preview-heading">Preview</h2>
      <p role="status">
        <strong>
          {rows.length} {rows.length === 1 ? "row" : "rows"}: {ready} will be invited,{" "}
          {errors.length} with errors, {skipped} skipped.
        </strong>
      </p>
      {errors.length ? (
        <div className="alert error" role="alert">
          <p>Rows with errors are not sent. Fix them and preview again, or send the others now.</p>
          <ul>
            {errors.map((r) => (
              <li key={r.row}>
                Row {r.row}: {r.notes.join("; ")}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <Form method="post" encType="multipart/form-data" className="inline-form" key={text.length}>
        <input type="hidden" name="intent" value="send" />
        {/* The list goes back to the server, which checks it again before sending. */}
        <textarea name="text" hidden readOnly value={text} />
        <button type="submit" disabled={busy || ready === 0}>
          Send {ready} {ready === 1 ? "invitation" : "invitations"}
        </button>
      </Form>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Row</th>
              <th scope="col">Email</th>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Team</th>
              <th scope="col">Target profile</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.row}>
                <td>{r.row}</td>
                <td>{r.email || "—"}</td>
                <td>{r.name ?? "—"}</td>
                <td>{r.role}</td>
                <td>{r.team ?? "—"}</td>
                <td>{r.profile ?? "Default"}</td>
                <td>
                  <span className={`badge${r.status === "error" ? " danger" : ""}`}>
                    {STATUS_LABEL[r.status]}
                  </span>
                  {r.notes.length ? <div className="muted">{r.notes.join("; ")}</div> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
