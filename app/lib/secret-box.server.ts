import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { env } from "./env.server";

// Secrets Gapmap must hand back to a third party later (an identity provider's client
// secret, a webhook's signing secret) are stored sealed with ENCRYPTION_KEY: AES-256-GCM,
// a fresh 96-bit IV per value, the tag checked on opening. Format: v1.<iv>.<tag>.<data>,
// each base64url. The purpose is bound in as associated data, so a value sealed for one
// use cannot be replayed as another.

const VERSION = "v1";

function key(): Buffer {
  return Buffer.from(env().ENCRYPTION_KEY, "hex");
}

export function sealSecret(plain: string, purpose: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key(), iv);
  cipher.setAAD(Buffer.from(purpose, "utf8"));
  const data = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), data]
    .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
    .join(".");
}

/** Throws when the value was not sealed with this key for this purpose, or was altered. */
export function openSecret(sealed: string, purpose: string): string {
  const [version, iv, tag, data] = sealed.split(".");
  if (version !== VERSION || !iv || !tag || data === undefined)
    throw new Error("not a sealed secret");
  const decipher = createDecipheriv("aes-256-gcm", key(), Buffer.from(iv, "base64url"));
  decipher.setAAD(Buffer.from(purpose, "utf8"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([
    decipher.update(Buffer.from(data, "base64url")),
    decipher.final(),
  ]).toString("utf8");
}
