import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  to: string[];
  subject: string;
  messageId: string;
  raw: string;
}

export interface SmtpSink {
  url: string;
  port: number;
  received: ReceivedMail[];
  /** Messages whose connection closed before their final dot: what had arrived of each. */
  cutOff: ReceivedMail[];
  close(): Promise<void>;
}

function header(raw: string, name: string) {
  const match = new RegExp(`^${name}:\\s*(.*)$`, "im").exec(raw);
  return match?.[1]?.trim() ?? "";
}

/** A real SMTP server on a free local port that keeps every message it accepts. */
export async function startSmtpSink(port = 0): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const cutOff: ReceivedMail[] = [];
  const mail = (raw: string, to: string[]) => ({
    to,
    subject: header(raw, "Subject"),
    messageId: header(raw, "Message-ID"),
    raw,
  });
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      const to = session.envelope.rcptTo.map((r) => r.address);
      let ended = false;
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        ended = true;
        received.push(mail(Buffer.concat(chunks).toString("utf8"), to));
        callback();
      });
      // The client went away mid-message (smtp-server destroys the stream, with this error
      // when it has a listener): the server discards it, the sink keeps what came.
      stream.on("error", () => undefined);
      stream.on("close", () => {
        if (!ended) cutOff.push(mail(Buffer.concat(chunks).toString("utf8"), to));
      });
    },
  });
  // A client killed mid-session resets its connection; that is a test's point, not an error.
  server.on("error", () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const address = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${address.port}`,
    port: address.port,
    received,
    cutOff,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
