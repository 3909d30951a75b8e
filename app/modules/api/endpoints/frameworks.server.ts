import { z } from "zod";
import { db } from "#db/database";
import { AppError, notFound } from "~/lib/errors.server";
import { listCycles } from "~/modules/assessments/cycles.server";
import {
  getFrameworkForEditing,
  listFrameworks,
} from "~/modules/frameworks/framework-editing.server";
import {
  IMPORT_LIMITS,
  saveImport,
  type ImportSource,
} from "~/modules/frameworks/framework-import.server";
import { PRIORITIES } from "~/modules/frameworks/priorities";
import { listTargetProfilesOf } from "~/modules/frameworks/target-profiles.server";
import { endpoint, id, isoDate, isoTime } from "../api-endpoint.server";

const FrameworkSummarySchema = z.object({
  id,
  name: z.string(),
  version: z.number().int(),
  isDefault: z.boolean(),
  topicCount: z.number().int(),
});

const FrameworkSchema = z.object({
  id,
  name: z.string(),
  version: z.number().int(),
  versionId: id,
  categories: z.array(
    z.object({
      id,
      name: z.string(),
      description: z.string().nullable(),
      kind: z.string(),
      topics: z.array(
        z.object({
          id,
          name: z.string(),
          description: z.string().nullable(),
          retired: z.boolean(),
        }),
      ),
    }),
  ),
  profiles: z.array(
    z.object({
      id,
      name: z.string(),
      targets: z.array(
        z.object({
          topicId: id,
          level: z.number().int().min(0).max(4),
          priority: z.enum(PRIORITIES),
        }),
      ),
    }),
  ),
});

const CycleSchema = z.object({
  id,
  name: z.string(),
  status: z.enum(["planned", "open", "closed"]),
  startsOn: isoDate,
  dueOn: isoDate,
  endsOn: isoDate,
  framework: z.string(),
  frameworkVersion: z.number().int(),
  assessments: z.object({
    draft: z.number().int(),
    submitted: z.number().int(),
    validated: z.number().int(),
  }),
  openedAt: isoTime.nullable(),
  closedAt: isoTime.nullable(),
});

async function frameworkJson(
  organizationId: string,
  frameworkId: string,
): Promise<z.input<typeof FrameworkSchema>> {
  const { framework, categories } = await getFrameworkForEditing(organizationId, frameworkId);
  const profiles = await listTargetProfilesOf(organizationId, frameworkId);
  const targets = await db
    .selectFrom("topic_targets")
    .select(["target_profile_id", "topic_id", "target_level", "priority"])
    .where("organization_id", "=", organizationId)
    .where("framework_version_id", "=", framework.version_id)
    .execute();
  return {
    id: framework.id,
    name: framework.name,
    version: framework.version,
    versionId: framework.version_id,
    categories,
    profiles: profiles.map((p) => ({
      id: p.id,
      name: p.name,
      targets: targets
        .filter((t) => t.target_profile_id === p.id)
        .map((t) => ({ topicId: t.topic_id, level: t.target_level, priority: t.priority })),
    })),
  };
}

export const frameworkEndpoints = [
  endpoint({
    operationId: "listFrameworks",
    method: "GET",
    path: "/frameworks",
    tag: "Frameworks",
    summary: "List the organisation's frameworks",
    write: false,
    success: { status: 200, schema: z.object({ data: z.array(FrameworkSummarySchema) }) },
    async handle({ principal }) {
      const frameworks = await listFrameworks(principal.organizationId);
      return {
        json: {
          data: frameworks.map((f) => ({
            id: f.id,
            name: f.name,
            version: f.version,
            isDefault: Boolean(f.is_default),
            topicCount: Number(f.topics ?? 0),
          })),
        },
      };
    },
  }),
  endpoint({
    operationId: "getFramework",
    method: "GET",
    path: "/frameworks/{frameworkId}",
    tag: "Frameworks",
    summary: "Get a framework's current version: categories, topics and target profiles",
    write: false,
    params: z.object({ frameworkId: id }),
    success: { status: 200, schema: FrameworkSchema },
    async handle({ principal, params }) {
      return { json: await frameworkJson(principal.organizationId, params.frameworkId) };
    },
  }),
  endpoint({
    operationId: "importFramework",
    method: "POST",
    path: "/frameworks",
    tag: "Frameworks",
    summary: "Import a framework from Markdown or CSV",
    description:
      "The same import as Admin → Frameworks → Import: Markdown headings become categories and list items topics; CSV has the columns the framework export writes. The framework is created as a new framework (version 1), not the default.",
    write: true,
    body: z.strictObject({
      name: z.string().trim().min(1).max(IMPORT_LIMITS.maxNameLength),
      format: z.enum(["markdown", "csv"]),
      content: z.string().min(1).max(IMPORT_LIMITS.maxBytes),
    }),
    success: { status: 201, schema: FrameworkSchema },
    async handle({ actor, body, ip }) {
      const source: ImportSource =
        body.format === "csv"
          ? { file: { name: "import.csv", bytes: new TextEncoder().encode(body.content) } }
          : { text: body.content };
      const result = await saveImport(actor, { source, name: body.name }, ip);
      if (!result.ok) {
        // The import form names its fields text/file; here the source is `content`.
        const errors = Object.fromEntries(
          Object.entries(result.fieldErrors).map(([k, v]) => [
            k === "text" || k === "file" ? "content" : k,
            v,
          ]),
        );
        throw new AppError(
          result.status === 409 ? "conflict" : "invalid",
          result.formError ?? Object.values(errors)[0] ?? "The framework could not be imported.",
          errors,
        );
      }
      return {
        status: 201,
        json: await frameworkJson(actor.organization.id, result.frameworkId),
        auditObjectId: result.frameworkId,
      };
    },
  }),
  endpoint({
    operationId: "listCycles",
    method: "GET",
    path: "/cycles",
    tag: "Cycles",
    summary: "List assessment cycles, newest first",
    write: false,
    success: { status: 200, schema: z.object({ data: z.array(CycleSchema) }) },
    async handle({ principal }) {
      return { json: { data: await cyclesJson(principal.organizationId) } };
    },
  }),
  endpoint({
    operationId: "getCycle",
    method: "GET",
    path: "/cycles/{cycleId}",
    tag: "Cycles",
    summary: "Get one cycle",
    write: false,
    params: z.object({ cycleId: id }),
    success: { status: 200, schema: CycleSchema },
    async handle({ principal, params }) {
      const [cycle] = await cyclesJson(principal.organizationId, params.cycleId);
      if (!cycle) throw notFound("Cycle");
      return { json: cycle };
    },
  }),
];

async function cyclesJson(
  organizationId: string,
  cycleId?: string,
): Promise<z.input<typeof CycleSchema>[]> {
  const cycles = await listCycles(organizationId, cycleId);
  return cycles.map((c) => ({
    id: c.id,
    name: c.name,
    status: c.status,
    startsOn: c.starts_on,
    dueOn: c.due_on,
    endsOn: c.ends_on,
    framework: c.framework_name,
    frameworkVersion: c.version_number,
    assessments: {
      draft: Number(c.drafts),
      submitted: Number(c.submitted),
      validated: Number(c.validated),
    },
    openedAt: c.opened_at?.toISOString() ?? null,
    closedAt: c.closed_at?.toISOString() ?? null,
  }));
}
