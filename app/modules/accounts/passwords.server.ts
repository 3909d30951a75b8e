import { hash, verify } from "@node-rs/argon2";
import { Counter, register } from "prom-client";

// argon2id with the OWASP-recommended minimum (19 MiB, 2 iterations, 1 lane).
const options = { memoryCost: 19456, timeCost: 2, parallelism: 1, outputLen: 32 } as const;

const WORK_METRIC = "gapmap_password_hashes_total";

/**
 * argon2 runs by kind (`hash`, `verify`): each costs ~50 ms of CPU, so this is what a flood
 * of logins, sign-ups or resets costs the web process, and what its rate limits hold down.
 * In prom-client's shared registry, registered once per process: the Remix server bundle and
 * the HTTP layer load their own copies of the app's modules, but share prom-client.
 */
export const passwordWork =
  (register.getSingleMetric(WORK_METRIC) as Counter<"kind"> | undefined) ??
  new Counter({
    name: WORK_METRIC,
    help: "argon2 password hashes computed, by kind (hash: a new password; verify: a login)",
    labelNames: ["kind"] as const,
  });

export function hashPassword(password: string): Promise<string> {
  passwordWork.inc({ kind: "hash" });
  return hash(password, options);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  passwordWork.inc({ kind: "verify" });
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}
