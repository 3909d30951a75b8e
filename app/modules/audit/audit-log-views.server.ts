import { z } from "zod";
import { db } from "#db/database";

// The audit log as admins read it: newest first, filtered by action, person and dates, a
// page at a time. Filters come from the URL; a bad one is reported beside its field and
// ignored, never an error page.

export const AUDIT_PAGE_SIZE = 100;

const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "Use a date like 2026-11-30.")
  .refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)), "Use a date like 2026-11-30.");

const FILTERS = {
  action: z.string().trim().min(1).max(100),
  actor: z.uuid({ error: "Choose a person from the list." }),
  from: date,
  to: date,
  before: z.coerce.number().int().positive(),
} as const;

export type AuditFilters = Partial<{
  action: string;
  actor: string;
  from: string;
  to: string;
  before: number;
}>;

/** The URL's filters: the valid ones, and a message for each invalid one. */
export function parseAuditFilters(params: URLSearchParams) {
  const filters: AuditFilters = {};
  const errors: Record<string, string> = {};
  for (const [name, schema] of Object.entries(FILTERS)) {
    const raw = params.get(name);
    if (raw === null || raw.trim() === "") continue;
    const parsed = schema.safeParse(raw);
    if (parsed.success) Object.assign(filters, { [name]: parsed.data });
    else errors[name] = parsed.error.issues[0]?.message ?? "Not a valid value.";
  }
  if (filters.from && filters.to && filters.from > filters.to)
    errors.to = "The end date is before the start date.";
  return { filters, errors };
}

export async function auditLog(organizationId: string, filters: AuditFilters) {
  let query = db
    .selectFrom("audit_log as a")
    .leftJoin("users as u", "u.id", "a.actor_user_id")
    .leftJoin("api_tokens as t", "t.id", "a.actor_token_id")
    .select([
      "a.id",
      "a.created_at as at",
      "a.action",
      "a.object_type as objectType",
      "a.object_id as objectId",
      "a.details",
      "a.ip",
      "u.display_name as actorName",
      "u.email as actorEmail",
      "t.name as tokenName",
    ])
    .where("a.organization_id", "=", organizationId)
    .orderBy("a.id", "desc")
    .limit(AUDIT_PAGE_SIZE + 1);
  if (filters.action) query = query.where("a.action", "=", filters.action);
  if (filters.actor) query = query.where("a.actor_user_id", "=", filters.actor);
  if (filters.from)
    query = query.where("a.created_at", ">=", new Date(`${filters.from}T00:00:00Z`));
  if (filters.to)
    query = query.where(
      "a.created_at",
      "<",
      new Date(Date.parse(`${filters.to}T00:00:00Z`) + 86_400_000),
    );
  if (filters.before) query = query.where("a.id", "<", filters.before);
  const rows = await query.execute();
  const page = rows.slice(0, AUDIT_PAGE_SIZE);
  return {
    entries: page,
    /** The cursor of the next (older) page, when there is one. */
    olderThan: rows.length > AUDIT_PAGE_SIZE ? (page.at(-1)?.id ?? null) : null,
  };
}

/** The choices for the filters: actions and people that appear in this organisation's log. */
export async function auditFilterChoices(organizationId: string) {
  const [actions, actors] = await Promise.all([
    db
      .selectFrom("audit_log")
      .select("action")
      .distinct()
      .where("organization_id", "=", organizationId)
      .orderBy("action")
      .execute(),
    db
      .selectFrom("audit_log as a")
      .innerJoin("users as u", "u.id", "a.actor_user_id")
      .select(["u.id", "u.display_name as name", "u.email"])
      .distinct()
      .where("a.organization_id", "=", organizationId)
      .orderBy("u.display_name")
      .execute(),
  ]);
  return { actions: actions.map((a) => a.action), actors };
}
