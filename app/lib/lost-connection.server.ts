// A connection that went away under the process: PostgreSQL shutting down (57P01), a socket
// reset or refused. Expected while the app stops — `npm start`'s embedded PostgreSQL gets
// the same Ctrl-C — and a fault at any other time.
const LOST_CONNECTION_CODES = new Set(["57P01", "ECONNRESET", "ECONNREFUSED", "EPIPE"]);
/** pg's error when the server closes the socket under a query: it carries no code. */
const PG_CONNECTION_ENDED = /^Connection terminated( unexpectedly)?$/;

export function isLostConnection(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === "string") return LOST_CONNECTION_CODES.has(code);
  return typeof message === "string" && PG_CONNECTION_ENDED.test(message);
}
