import { z } from "zod";
import { db } from "#db/database";
import { readingFor } from "#db/read-replica";
import type { TokenScope } from "#db/schema";
import { notFound } from "~/lib/errors.server";
import type { MemberContext } from "~/modules/accounts/auth.server";
import { generateToken, hashToken } from "~/modules/accounts/sessions.server";
import { recordAudit } from "~/modules/audit/audit.server";

// Organisation-scoped bearer tokens for the REST API. The secret is shown once; only its
// SHA-256 is stored (the same scheme as session tokens: 160 random bits need no slow hash).

const TOKEN_PREFIX = "gapmap_";
/** Writing last_used_at on every call would make each read a write; a minute is precise enough. */
const LAST_USED_PRECISION_MS = 60_000;

export const NewApiTokenSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, "Give the token a name, e.g. the system that will use it.")
    .max(100, "Keep the name under 100 characters."),
  scope: z.enum(["read", "read_write"], { error: "Choose read or read-write." }),
  expiresOn: z
    .union([z.literal(""), z.iso.date({ error: "Enter a date as YYYY-MM-DD, or leave it empty." })])
    .refine(
      (d) => d === "" || d > new Date().toISOString().slice(0, 10),
      "The expiry date must be in the future.",
    ),
});
export type NewApiToken = z.infer<typeof NewApiTokenSchema>;

export function listApiTokens(organizationId: string) {
  return db
    .selectFrom("api_tokens as t")
    .leftJoin("users as u", "u.id", "t.created_by_user_id")
    .select([
      "t.id",
      "t.name",
      "t.scope",
      "t.created_at",
      "t.expires_at",
      "t.revoked_at",
      "t.last_used_at",
      "u.display_name as created_by",
    ])
    .where("t.organization_id", "=", organizationId)
    .orderBy("t.revoked_at", (o) => o.desc().nullsFirst())
    .orderBy("t.created_at", "desc")
    .execute();
}

/** Creates a token and returns its secret, which is never readable again. */
export async function createApiToken(ctx: MemberContext, input: NewApiToken, ip: string | null) {
  const secret = TOKEN_PREFIX + generateToken();
  // An expiry date means "usable through that day" in the organisation's calendar; the end
  // of the day in UTC is a close, predictable reading of it.
  const expiresAt = input.expiresOn ? new Date(`${input.expiresOn}T23:59:59.999Z`) : null;
  return db.transaction().execute(async (trx) => {
    const token = await trx
      .insertInto("api_tokens")
      .values({
        organization_id: ctx.organization.id,
        name: input.name,
        token_hash: hashToken(secret),
        scope: input.scope,
        created_by_user_id: ctx.user.id,
        expires_at: expiresAt,
      })
      .returning(["id", "name", "scope", "expires_at"])
      .executeTakeFirstOrThrow();
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        action: "api_token.created",
        objectType: "api_token",
        objectId: token.id,
        details: {
          name: token.name,
          scope: token.scope,
          expiresAt: expiresAt?.toISOString() ?? null,
        },
        ip,
      },
      trx,
    );
    return { ...token, secret };
  });
}

export async function revokeApiToken(ctx: MemberContext, tokenId: string, ip: string | null) {
  if (!z.uuid().safeParse(tokenId).success) throw notFound("Token");
  return db.transaction().execute(async (trx) => {
    const token = await trx
      .updateTable("api_tokens")
      .set({ revoked_at: new Date() })
      .where("organization_id", "=", ctx.organization.id)
      .where("id", "=", tokenId)
      .where("revoked_at", "is", null)
      .returning(["id", "name"])
      .executeTakeFirst();
    if (!token) throw notFound("Token");
    await recordAudit(
      {
        organizationId: ctx.organization.id,
        actorUserId: ctx.user.id,
        action: "api_token.revoked",
        objectType: "api_token",
        objectId: token.id,
        details: { name: token.name },
        ip,
      },
      trx,
    );
    return token;
  });
}

/** Who an API call acts as: the token, in its organisation, with its scope. */
export interface ApiPrincipal {
  tokenId: string;
  organizationId: string;
  scope: TokenScope;
  /** The admin who created the token; writes that need a person (a lead rating) name them. */
  createdByUserId: string | null;
}

/**
 * The principal for an `Authorization: Bearer …` header, or why there is none. Revoked and
 * expired tokens get the same answer as unknown ones, so a caller learns nothing from it.
 */
export async function authenticateApiToken(
  header: string | null,
  now = new Date(),
): Promise<ApiPrincipal | null> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  if (!match?.[1] || !match[1].startsWith(TOKEN_PREFIX)) return null;
  const token = await db
    .selectFrom("api_tokens")
    .select(["id", "organization_id", "scope", "created_by_user_id", "expires_at", "last_used_at"])
    .where("token_hash", "=", hashToken(match[1]))
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  if (!token || (token.expires_at && token.expires_at <= now)) return null;
  if (
    !token.last_used_at ||
    now.getTime() - token.last_used_at.getTime() > LAST_USED_PRECISION_MS
  ) {
    await db
      .updateTable("api_tokens")
      .set({ last_used_at: now })
      .where("id", "=", token.id)
      .execute();
  }
  readingFor(token.organization_id);
  return {
    tokenId: token.id,
    organizationId: token.organization_id,
    scope: token.scope,
    createdByUserId: token.created_by_user_id,
  };
}
