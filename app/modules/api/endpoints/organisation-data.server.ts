import { z } from "zod";
import {
  downloadExport,
  getExport,
  requestExport,
  type ExportSummary,
} from "~/modules/organisation-data/export.server";
import { endpoint, id, isoTime } from "../api-endpoint.server";

// The whole organisation as an archive (README, "Organisation data"): started here, built by
// the worker, polled until ready, then fetched. The same module and rules as the admin page.

const ExportSchema = z.object({
  id,
  status: z.enum(["queued", "running", "ready", "failed"]),
  progress: z.number().int().min(0).max(100),
  stage: z.string().nullable().describe("What the worker is reading while it runs."),
  byteSize: z.number().int().nullable(),
  counts: z.record(z.string(), z.number().int()).nullable().describe("Rows per table, once ready."),
  error: z.string().nullable(),
  createdAt: isoTime,
  finishedAt: isoTime.nullable(),
  expiresAt: isoTime.nullable().describe("The archive is kept until then (7 days)."),
});

const exportParams = z.object({ exportId: id });

function exportJson(e: ExportSummary) {
  return {
    id: e.id,
    status: e.status,
    progress: e.progress,
    stage: e.stage,
    byteSize: e.byteSize,
    counts: e.counts,
    error: e.error,
    createdAt: e.createdAt.toISOString(),
    finishedAt: e.finishedAt?.toISOString() ?? null,
    expiresAt: e.expiresAt?.toISOString() ?? null,
  };
}

export const organisationDataEndpoints = [
  endpoint({
    operationId: "startExport",
    method: "POST",
    path: "/exports",
    tag: "Organisation data",
    summary: "Start an export of the whole organisation",
    description:
      "The worker builds one .tar.gz archive: manifest.json, data/<table>.jsonl and csv/<table>.csv. Poll getExport until `status` is `ready`, then fetch getExportArchive.",
    write: true,
    success: { status: 201, schema: ExportSchema },
    async handle({ actor, principal, ip }) {
      const created = await requestExport(actor, ip, principal.tokenId);
      return {
        status: 201,
        json: exportJson(await getExport(actor.organization.id, created.id)),
        auditObjectId: created.id,
      };
    },
  }),
  endpoint({
    operationId: "getExport",
    method: "GET",
    path: "/exports/{exportId}",
    tag: "Organisation data",
    summary: "An export's status and progress",
    write: false,
    params: exportParams,
    success: { status: 200, schema: ExportSchema },
    async handle({ actor, params }) {
      return { json: exportJson(await getExport(actor.organization.id, params.exportId)) };
    },
  }),
  endpoint({
    operationId: "getExportArchive",
    method: "GET",
    path: "/exports/{exportId}/archive",
    tag: "Organisation data",
    summary: "Download a finished export's archive (.tar.gz)",
    write: false,
    params: exportParams,
    success: { status: 200, mediaType: "application/gzip" },
    async handle({ actor, principal, params, ip }) {
      const file = await downloadExport(actor, params.exportId, ip, principal.tokenId);
      return {
        file: { body: file.body, contentType: "application/gzip", filename: file.filename },
      };
    },
  }),
];
