import { z } from "zod";
import { ProblemSchema, type Endpoint } from "./api-endpoint.server";
import { API_BASE } from "./api-base";
import { API_ENDPOINTS } from "./endpoints.server";
import { PROBLEMS, type ProblemKind } from "./problems.server";

// The OpenAPI 3.1 document, generated from the endpoints' own zod schemas (JSON Schema
// 2020-12, which OpenAPI 3.1 uses as is).

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io,
    unrepresentable: "any",
  }) as JsonSchema;
  return rest;
}

/** Problems any call may get, and those only writes get. */
const READ_PROBLEMS: ProblemKind[] = [
  "bad_request",
  "unauthorized",
  "forbidden",
  "not_found",
  "rate_limited",
];
const WRITE_PROBLEMS: ProblemKind[] = [
  ...READ_PROBLEMS,
  "conflict",
  "too_large",
  "unsupported",
  "invalid",
];

function parameters(endpoint: Endpoint) {
  return (["path", "query"] as const).flatMap((place) => {
    const schema = place === "path" ? endpoint.params : endpoint.query;
    if (!schema) return [];
    const json = jsonSchema(schema, "input") as {
      properties?: Record<string, JsonSchema>;
      required?: string[];
    };
    return Object.entries(json.properties ?? {}).map(([name, property]) => {
      const { description, ...rest } = property;
      return {
        name,
        in: place,
        required: place === "path" || (json.required ?? []).includes(name),
        ...(description ? { description } : {}),
        schema: rest,
      };
    });
  });
}

function operation(endpoint: Endpoint) {
  const success =
    "schema" in endpoint.success
      ? { "application/json": { schema: jsonSchema(endpoint.success.schema, "output") } }
      : { [endpoint.success.mediaType]: { schema: { type: "string" } } };
  const problems = Object.fromEntries(
    (endpoint.write ? WRITE_PROBLEMS : READ_PROBLEMS).map((kind) => [
      String(PROBLEMS[kind].status),
      {
        description: PROBLEMS[kind].meaning,
        content: {
          "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } },
        },
      },
    ]),
  );
  return {
    operationId: endpoint.operationId,
    tags: [endpoint.tag],
    summary: endpoint.summary,
    ...(endpoint.description ? { description: endpoint.description } : {}),
    "x-token-scope": endpoint.write ? "read_write" : "read",
    parameters: parameters(endpoint),
    ...(endpoint.body
      ? {
          requestBody: {
            required: true,
            content: { "application/json": { schema: jsonSchema(endpoint.body, "input") } },
          },
        }
      : {}),
    responses: {
      [String(endpoint.success.status)]: { description: "Success", content: success },
      ...(endpoint.method === "GET"
        ? { "304": { description: "Not modified: the `If-None-Match` ETag is current." } }
        : {}),
      ...problems,
    },
  };
}

let cached: { origin: string; document: unknown } | undefined;

export function openApiDocument(origin: string) {
  if (cached?.origin === origin) return cached.document;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const endpoint of API_ENDPOINTS) {
    (paths[endpoint.path] ??= {})[endpoint.method.toLowerCase()] = operation(endpoint);
  }
  const document = {
    openapi: "3.1.0",
    info: {
      title: "Gapmap API",
      version: "1.0.0",
      description:
        "Read and write your organisation's skills data. Authenticate with an organisation API token (Admin → API tokens) as `Authorization: Bearer <token>`. Lists are paged with `limit` and the `nextCursor` of the previous page. GETs carry an ETag; send it back as `If-None-Match` to get 304 when nothing changed. Errors are `application/problem+json`.",
    },
    servers: [{ url: `${origin}${API_BASE}` }],
    security: [{ bearerToken: [] }],
    components: {
      securitySchemes: {
        bearerToken: { type: "http", scheme: "bearer", description: "An organisation API token." },
      },
      schemas: { Problem: jsonSchema(ProblemSchema, "output") },
    },
    paths,
  };
  cached = { origin, document };
  return document;
}
