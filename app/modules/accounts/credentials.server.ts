import type { Transaction } from "kysely";
import type { z } from "zod";
import { db } from "#db/database";
import type { Database } from "#db/schema";
import { AppError, conflict, invalid } from "~/lib/errors.server";
import { env } from "~/lib/env.server";
import { clearHits, takeHit, type Limit } from "~/lib/rate-limit.server";
import { enqueueNotification } from "~/modules/notifications/outbox.server";
import { passwordResetEmail } from "~/modules/notifications/templates.server";
import { createOrganization } from "./organizations.server";
import { hashPassword, verifyPassword } from "./passwords.server";
import type { SignUpSchema } from "./schemas";
import { generateToken, hashToken, invalidateUserSessions } from "./sessions.server";

const RESET_TTL_MS = 60 * 60 * 1000;
const FAILED_LOGINS_PER_ACCOUNT = 5;
const LOGINS_PER_IP = 30;
const RESET_REQUESTS_PER_IP = 10;
const RESET_SUBMISSIONS_PER_IP = 10;
const WINDOW_SECONDS = 15 * 60;
const SIGN_UPS_PER_IP = 10;
const SIGN_UP_WINDOW_SECONDS = 60 * 60;

// A hash to verify against when the email is unknown, so both paths take the same time.
let decoyHash: Promise<string> | undefined;

function findUserByEmail(email: string) {
  return db
    .selectFrom("users")
    .selectAll()
    .where((eb) => eb(eb.fn("lower", ["email"]), "=", email.toLowerCase()))
    .executeTakeFirst();
}

function waitText(seconds: number) {
  const minutes = Math.ceil(seconds / 60);
  return minutes <= 1 ? "a minute" : `${minutes} minutes`;
}

/**
 * Counts one attempt against `limit` before the costly work it guards (an argon2 hash),
 * in one statement: checked first and counted after, parallel attempts all passed the check
 * before any was counted.
 */
async function spendAttempt(limit: Limit, tooMany: (wait: string) => string) {
  const hit = await takeHit(limit);
  if (!hit.allowed) throw new AppError("rate_limited", tooMany(waitText(hit.resetSeconds)));
  return hit;
}

export async function signUp(input: z.infer<typeof SignUpSchema>, ip: string | null) {
  await spendAttempt(
    {
      key: `signup:ip:${ip ?? "unknown"}`,
      max: SIGN_UPS_PER_IP,
      windowSeconds: SIGN_UP_WINDOW_SECONDS,
    },
    (wait) => `Too many sign-ups from your network. Wait ${wait} and try again.`,
  );
  if (await findUserByEmail(input.email)) {
    throw conflict("An account with this email already exists.", {
      email: "An account with this email already exists. Log in instead, or reset your password.",
    });
  }
  const passwordHash = await hashPassword(input.password);
  return db.transaction().execute(async (trx) => {
    const user = await trx
      .insertInto("users")
      .values({ email: input.email, display_name: input.displayName, password_hash: passwordHash })
      .returning("id")
      .executeTakeFirstOrThrow();
    const org = await createOrganization(trx, {
      name: input.organizationName,
      userId: user.id,
      ip,
    });
    return { userId: user.id, organizationId: org.organizationId };
  });
}

/**
 * Checks a password. Limited per IP (failed attempts) and per account (attempts since its
 * last success), each attempt counted before its argon2 work and given back on success, so
 * neither a single client nor a distributed guesser gets more than a handful of tries.
 */
export async function logIn(input: { email: string; password: string }, ip: string | null) {
  const ipLimit: Limit = {
    key: `login:ip:${ip ?? "unknown"}`,
    max: LOGINS_PER_IP,
    windowSeconds: WINDOW_SECONDS,
  };
  const accountLimit: Limit = {
    key: `login:account:${input.email.toLowerCase()}`,
    max: FAILED_LOGINS_PER_ACCOUNT,
    windowSeconds: WINDOW_SECONDS,
  };
  // Every attempt counts against the account until one succeeds (which clears it), so a
  // burst of parallel guesses gets no more verifications than the limit.
  const tooMany = (wait: string) =>
    `Too many sign-in attempts. Wait ${wait} and try again, or reset your password.`;
  const ipHit = await spendAttempt(ipLimit, tooMany);
  await spendAttempt(accountLimit, tooMany);
  const user = await findUserByEmail(input.email);
  decoyHash ??= hashPassword("decoy password that matches nothing");
  const ok = await verifyPassword(user?.password_hash ?? (await decoyHash), input.password);
  if (!user || !user.password_hash || !ok) {
    throw invalid("Email or password is incorrect.");
  }
  // A correct password costs the network nothing: an office behind one address signs in
  // all morning; only wrong guesses use up its limit.
  await Promise.all([clearHits(accountLimit.key), ipHit.giveBack()]);
  return { userId: user.id };
}

/**
 * Sends a reset link when the account exists; answers the same either way so the form
 * does not reveal who has an account.
 */
export async function requestPasswordReset(email: string, ip: string | null) {
  await spendAttempt(
    { key: `reset:${ip ?? "unknown"}`, max: RESET_REQUESTS_PER_IP, windowSeconds: WINDOW_SECONDS },
    (wait) => `Too many reset requests. Wait ${wait} and try again.`,
  );
  const user = await findUserByEmail(email);
  if (!user) return;
  const token = generateToken();
  const expiresAt = new Date(Date.now() + RESET_TTL_MS);
  await db.transaction().execute(async (trx) => {
    // A new link ends every older one: only the latest email can change the password.
    await endOpenResets(trx, user.id);
    const reset = await trx
      .insertInto("password_resets")
      .values({ user_id: user.id, token_hash: hashToken(token), expires_at: expiresAt })
      .returning("id")
      .executeTakeFirstOrThrow();
    const link = `${env().APP_URL}/reset-password/${token}`;
    const message = passwordResetEmail({ displayName: user.display_name, link, expiresAt });
    await enqueueNotification(
      {
        organizationId: null,
        kind: "password_reset",
        recipientUserId: user.id,
        recipientEmail: user.email,
        idempotencyKey: `password_reset:${reset.id}`,
        subject: message.subject,
        text: message.text,
        html: message.html,
        actionUrl: link,
      },
      trx,
    );
  });
}

const EXPIRED_LINK = "This link has expired or was already used. Ask for a new one.";

export async function findPasswordReset(token: string) {
  const row = await db
    .selectFrom("password_resets")
    .select(["id", "user_id", "expires_at", "used_at"])
    .where("token_hash", "=", hashToken(token))
    .executeTakeFirst();
  if (!row || row.used_at || row.expires_at.getTime() <= Date.now()) return null;
  return row;
}

function endOpenResets(trx: Transaction<Database>, userId: string) {
  const now = new Date();
  return trx
    .updateTable("password_resets")
    .set({ expires_at: now })
    .where("user_id", "=", userId)
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .execute();
}

/**
 * Sets the new password, spends the link (and ends any other of the account), and signs the
 * account out everywhere. The link is checked before the password is hashed, so a made-up
 * link costs no argon2 work; submissions are limited per IP.
 */
export async function resetPassword(token: string, password: string, ip: string | null) {
  await spendAttempt(
    {
      key: `reset-submit:${ip ?? "unknown"}`,
      max: RESET_SUBMISSIONS_PER_IP,
      windowSeconds: WINDOW_SECONDS,
    },
    (wait) => `Too many password changes from your network. Wait ${wait} and try again.`,
  );
  const userId = await db.transaction().execute(async (trx) => {
    // Spending the link and checking it are one statement, so two clicks cannot both win.
    const spent = await trx
      .updateTable("password_resets")
      .set({ used_at: new Date() })
      .where("token_hash", "=", hashToken(token))
      .where("used_at", "is", null)
      .where("expires_at", ">", new Date())
      .returning("user_id")
      .executeTakeFirst();
    if (!spent) throw invalid(EXPIRED_LINK);
    await endOpenResets(trx, spent.user_id);
    const passwordHash = await hashPassword(password);
    await trx
      .updateTable("users")
      .set({ password_hash: passwordHash })
      .where("id", "=", spent.user_id)
      .execute();
    return spent.user_id;
  });
  await invalidateUserSessions(userId);
  return { userId };
}
