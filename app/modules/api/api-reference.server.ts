import { API_BASE } from "./api-base";
import { API_ENDPOINTS } from "./endpoints.server";
import { openApiDocument } from "./openapi.server";
import { PROBLEMS } from "./problems.server";

// The docs page's view of the OpenAPI document: endpoints grouped by resource, each
// parameter with a readable type.

interface Parameter {
  name: string;
  in: string;
  required: boolean;
  description?: string;
  schema: Record<string, unknown>;
}

interface Operation {
  parameters: Parameter[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}

function typeName(schema: Record<string, unknown>): string {
  if (Array.isArray(schema.enum)) return schema.enum.map(String).join(" | ");
  if (Array.isArray(schema.anyOf))
    return schema.anyOf.map((s) => typeName(s as Record<string, unknown>)).join(" | ");
  if (typeof schema.const === "string") return `"${schema.const}"`;
  const format = typeof schema.format === "string" ? ` (${schema.format})` : "";
  return `${String(schema.type ?? "any")}${format}`;
}

export function apiReference(origin: string) {
  const document = openApiDocument(origin) as {
    info: { title: string; description: string };
    paths: Record<string, Record<string, Operation>>;
  };
  const tags = [...new Set(API_ENDPOINTS.map((e) => e.tag))];
  return {
    title: document.info.title,
    description: document.info.description,
    base: `${origin}${API_BASE}`,
    sections: tags.map((tag) => ({
      tag,
      operations: API_ENDPOINTS.filter((e) => e.tag === tag).map((e) => {
        const op = document.paths[e.path]![e.method.toLowerCase()]!;
        const success = op.responses[String(e.success.status)]?.content ?? {};
        const [mediaType, body] = Object.entries(success)[0] ?? ["", undefined];
        return {
          operationId: e.operationId,
          method: e.method,
          path: e.path,
          summary: e.summary,
          description: e.description ?? null,
          scope: e.write ? "read_write" : "read",
          successStatus: e.success.status,
          successMediaType: mediaType,
          parameters: op.parameters.map((p) => ({
            name: p.name,
            in: p.in,
            required: p.required,
            description: p.description ?? "",
            type: typeName(p.schema),
          })),
          requestSchema: op.requestBody?.content["application/json"]?.schema ?? null,
          responseSchema: mediaType === "application/json" ? (body?.schema ?? null) : null,
        };
      }),
    })),
    problems: Object.entries(PROBLEMS).map(([kind, p]) => ({ kind, ...p })),
  };
}
