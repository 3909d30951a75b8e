// A connection that went away under the process: PostgreSQL shutting down (57P01), a socket
// reset or refused. Expected while the app stops — `npm start`'s embedded PostgreSQL gets
// the same Ctrl-C — and a fault at any other time.
const LOST_CONNECTION_CODES = new Set(["57P01", "ECONNRESET", "ECONNREFUSED", "EPIPE"]);

export function isLostConnection(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && LOST_CONNECTION_CODES.has(code);
}
