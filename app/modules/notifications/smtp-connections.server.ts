import type { Writable } from "node:stream";
import { parseConnectionUrl } from "nodemailer/lib/shared";
import SMTPConnection from "nodemailer/lib/smtp-connection";
import { EMAIL_CONCURRENCY } from "~/lib/queues.server";

// A few reusable SMTP connections, each sending one message at a time, that call a hook
// synchronously just before the final dot of a message is written to the socket: the
// moment that decides delivery (ADR 009). Nodemailer has no such hook, so `send` wraps the
// socket's write for the one DATA phase; its transport's own pool is not used because it
// hides the socket.

/** What nodemailer's DATA stream writes, alone, to end a message (after escaping dots). */
const FINAL_DOTS = new Set([".\r\n", "\n.\r\n", "\r\n.\r\n"]);

function isFinalDot(chunk: unknown) {
  return Buffer.isBuffer(chunk) && chunk.length <= 5 && FINAL_DOTS.has(chunk.toString("latin1"));
}

/** Calls `hook` right before the final dot goes to `socket`; returns the undo. */
function beforeFinalDotOn(socket: Writable, hook: () => void): () => void {
  const write = socket.write;
  let called = false;
  socket.write = function (this: Writable, chunk: unknown, ...rest: unknown[]) {
    if (!called && isFinalDot(chunk)) {
      called = true;
      hook();
    }
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof write;
  return () => {
    socket.write = write;
  };
}

interface Connection {
  smtp: SMTPConnection;
  messages: number;
  alive: boolean;
}

export interface SmtpConnections {
  send(
    envelope: { from: string; to: string[] },
    message: Buffer,
    beforeFinalDot: () => void,
  ): Promise<void>;
  close(): void;
}

/**
 * `maxConnections` is the email worker's concurrency by default, so no delivery job waits
 * for a connection while one is free to open (the benchmark's fan-out: 5 held three of
 * every eight jobs back).
 */
export function createSmtpConnections(
  url: string,
  { maxConnections = EMAIL_CONCURRENCY, maxMessages = 500 } = {},
): SmtpConnections {
  const { auth, ...options } = parseConnectionUrl(url);
  const idle: Connection[] = [];
  const waiting: ((connection: Connection | null) => void)[] = [];
  let open = 0;
  let closed = false;

  function drop(connection: Connection) {
    if (!connection.alive) return;
    connection.alive = false;
    open -= 1;
    connection.smtp.close();
    const next = waiting.shift();
    if (next) void connect().then(next, () => next(null));
  }

  async function connect(): Promise<Connection> {
    open += 1;
    const smtp = new SMTPConnection({ ...options, connectionTimeout: 10_000 });
    const connection: Connection = { smtp, messages: 0, alive: true };
    // A connection the server closes while idle is dropped, never reused.
    smtp.on("error", () => drop(connection));
    smtp.on("end", () => drop(connection));
    try {
      // A failure to connect arrives as an event, not through connect's callback.
      await new Promise<void>((resolve, reject) => {
        smtp.once("error", reject);
        // An error (e.g. ECONNREFUSED) may follow the end; it is the better reason.
        smtp.once("end", () =>
          setImmediate(() => reject(new Error("the SMTP server closed the connection"))),
        );
        smtp.connect(() => resolve());
      });
      if (auth) {
        await new Promise<void>((resolve, reject) =>
          smtp.login(auth, (err) => (err ? reject(err) : resolve())),
        );
      }
      return connection;
    } catch (error) {
      drop(connection);
      throw error;
    }
  }

  async function acquire(): Promise<Connection> {
    if (closed) throw new Error("the SMTP connections are closed");
    for (let c = idle.pop(); c; c = idle.pop()) if (c.alive) return c;
    if (open < maxConnections) return connect();
    const connection = await new Promise<Connection | null>((resolve) => waiting.push(resolve));
    return connection ?? acquire();
  }

  function release(connection: Connection) {
    if (!connection.alive) return;
    if (closed || connection.messages >= maxMessages) {
      connection.smtp.quit();
      drop(connection);
      return;
    }
    const next = waiting.shift();
    if (next) next(connection);
    else idle.push(connection);
  }

  return {
    async send(envelope, message, beforeFinalDot) {
      const connection = await acquire();
      // The socket as it is now, after any STARTTLS upgrade.
      const socket = connection.smtp._socket;
      if (!socket) {
        drop(connection);
        throw new Error("the SMTP connection has no socket");
      }
      const undo = beforeFinalDotOn(socket, beforeFinalDot);
      try {
        await new Promise<void>((resolve, reject) =>
          connection.smtp.send(envelope, message, (err) => (err ? reject(err) : resolve())),
        );
        connection.messages += 1;
        release(connection);
      } catch (error) {
        // After a failed send the session's state is unknown: start afresh.
        drop(connection);
        throw error;
      } finally {
        undo();
      }
    },
    close() {
      closed = true;
      for (const connection of idle.splice(0)) {
        connection.smtp.quit();
        drop(connection);
      }
      for (const next of waiting.splice(0)) next(null);
    },
  };
}
