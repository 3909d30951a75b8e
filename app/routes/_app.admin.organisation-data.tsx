import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useDates } from "~/components/dates";
import { redirectWithFlash } from "~/lib/flash.server";
import {
  Form,
  useActionData,
  useLoaderData,
  useNavigation,
  useRevalidator,
} from "@remix-run/react";
import { useEffect } from "react";
import { z } from "zod";
import { Field, FormError, failureOf, FormSuccess } from "~/components/forms";
import { handleFormErrors } from "~/lib/errors.server";
import { parseFormData, readForm } from "~/lib/forms.server";
import { clientIp } from "~/lib/request.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { ARCHIVE_LIMITS } from "~/modules/organisation-data/archive.server";
import { closeOrganisation } from "~/modules/organisation-data/deletion.server";
import { KEEP_DAYS, listExports, requestExport } from "~/modules/organisation-data/export.server";
import { importUploadedArchive } from "~/modules/organisation-data/import.server";

export const meta: MetaFunction = () => [{ title: "Organisation data · Gapmap" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  return {
    organization: ctx.organization.name,
    exports: await listExports(ctx.organization.id),
    maxArchiveMb: ARCHIVE_LIMITS.maxArchiveBytes / 1024 / 1024,
    keepDays: KEEP_DAYS,
  };
}

const CloseSchema = z.object({ confirmName: z.string().max(500).default("") });

export async function action({ request, context }: ActionFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  const ip = clientIp(context);
  return handleFormErrors(async () => {
    // The import posts a file (multipart, its own size limit); the other forms are small.
    if ((request.headers.get("Content-Type") ?? "").startsWith("multipart/form-data")) {
      const imported = await importUploadedArchive(request, { userId: ctx.user.id, ip });
      return { ok: true as const, imported };
    }
    const form = await readForm(request);
    switch (form.get("intent")) {
      case "export":
        await requestExport(ctx, ip);
        return { ok: true as const, message: "Export started. It appears below when it is ready." };
      case "close": {
        const { confirmName } = parseFormData(form, CloseSchema);
        await closeOrganisation(ctx, confirmName, ip);
        return redirectWithFlash(
          "/orgs",
          `${ctx.organization.name} is closed. You can cancel the deletion here until it is erased.`,
        );
      }
      default:
        return new Response("Unknown action", { status: 400 });
    }
  });
}

function megabytes(bytes: number | null) {
  return bytes === null ? "" : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export default function OrganisationData() {
  const { date, dateTime } = useDates();
  const { organization, exports, maxArchiveMb, keepDays } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const failure = failureOf(result);
  const busy = useNavigation().state === "submitting";
  const message = result && "message" in result ? result.message : null;
  const imported = result && "imported" in result ? result.imported : null;
  const revalidator = useRevalidator();
  const working = exports.some((e) => e.status === "queued" || e.status === "running");
  // Progress comes from the worker: look again every 2 s while an export is being built.
  useEffect(() => {
    if (!working) return;
    const timer = setInterval(() => {
      if (revalidator.state === "idle") revalidator.revalidate();
    }, 2000);
    return () => clearInterval(timer);
  }, [working, revalidator]);
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Organisation data</h1>
          <p>
            Take all of {organization}&apos;s data with you, bring an organisation over from another
            Gapmap, or delete this one.
          </p>
        </div>
      </div>
      <div aria-live="polite">
        <FormSuccess message={message} />
        {imported ? (
          <FormSuccess>
            <p>
              <strong>{imported.name}</strong> was created from the archive:{" "}
              {imported.counts.memberships} members, {imported.counts.ratings} ratings,{" "}
              {imported.counts.reports} reports.
            </p>
            <Form method="post" action="/orgs/switch">
              <input type="hidden" name="organizationId" value={imported.organizationId} />
              <button type="submit">Open {imported.name}</button>
            </Form>
          </FormSuccess>
        ) : null}
      </div>

      <section className="card" aria-labelledby="export-heading">
        <h2 id="export-heading">Export</h2>
        <p>
          One archive (.tar.gz) with every person, team, framework version, target, cycle, rating,
          assessment, mentorship, check-in, report and audit entry: a manifest, one JSON Lines file
          per table and the same rows as CSV. Passwords, tokens and secrets are never in it.
          Archives are kept for {keepDays} days.
        </p>
        <Form method="post">
          <input type="hidden" name="intent" value="export" />
          <button type="submit" disabled={busy}>
            Export everything
          </button>
        </Form>
        {exports.length ? (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Exports</caption>
              <thead>
                <tr>
                  <th scope="col">Started</th>
                  <th scope="col">By</th>
                  <th scope="col">Status</th>
                  <th scope="col">Archive</th>
                </tr>
              </thead>
              <tbody>
                {exports.map((e) => (
                  <tr key={e.id}>
                    <td>{dateTime(e.createdAt)}</td>
                    <td>{e.requestedBy ?? "—"}</td>
                    <td>
                      {e.status === "ready" ? (
                        <span className="badge success">Ready</span>
                      ) : e.status === "failed" ? (
                        <span className="badge warning">Failed: {e.error}</span>
                      ) : (
                        <>
                          <progress max={100} value={e.progress} aria-label="Export progress">
                            {e.progress}%
                          </progress>{" "}
                          {e.status === "queued"
                            ? "Waiting for the worker"
                            : `${e.progress}% · ${e.stage ?? ""}`}
                        </>
                      )}
                    </td>
                    <td>
                      {e.status === "ready" ? (
                        <>
                          <a href={`/admin/organisation-data/${e.id}.tar.gz`} download>
                            Download ({megabytes(e.byteSize)})
                          </a>
                          {e.expiresAt ? (
                            <span className="muted"> until {date(e.expiresAt)}</span>
                          ) : null}
                        </>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="empty-state">No export yet.</p>
        )}
      </section>

      <section className="card" aria-labelledby="import-heading">
        <h2 id="import-heading">Import into a new organisation</h2>
        <p>
          Creates a new organisation from an archive exported by a Gapmap of the same version (this
          one or another installation); this organisation is not touched. People whose email already
          has an account here are linked to it; the others are created without a password and set
          one with “Forgot password”. You join it as an admin. At most {maxArchiveMb} MB.
        </p>
        <Form method="post" encType="multipart/form-data" className="stack" noValidate>
          <Field
            label="Export archive (.tar.gz)"
            name="archive"
            type="file"
            accept=".gz,.tgz,application/gzip"
            required
            error={failure?.fieldErrors.archive}
          />
          <div>
            <button type="submit" disabled={busy}>
              Import
            </button>
          </div>
        </Form>
      </section>

      <section className="card" aria-labelledby="delete-heading">
        <h2 id="delete-heading">Delete this organisation</h2>
        <p>
          {organization} closes at once: nobody can sign in, every session ends and every API token
          is revoked. Its data is erased for good after the grace period; until then any of its
          admins can cancel from the organisation list. Export it first if you want to keep a copy.
        </p>
        <FormError failure={failure?.fieldErrors.confirmName ? failure : undefined} />
        <Form method="post" className="stack" noValidate>
          <input type="hidden" name="intent" value="close" />
          <Field
            label={`Type “${organization}” to confirm`}
            name="confirmName"
            autoComplete="off"
            required
            error={failure?.fieldErrors.confirmName}
          />
          <div>
            <button type="submit" className="danger" disabled={busy}>
              Delete {organization}
            </button>
          </div>
        </Form>
      </section>
    </>
  );
}
