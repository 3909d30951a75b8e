import { createServer, type IncomingHttpHeaders, type RequestListener } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { afterThisTest } from "./test-cleanups";

// A real HTTP receiver on loopback that records what arrives: a stand-in for Slack, Teams
// or a customer's webhook endpoint. It answers each request with the next status of
// `statuses` (the last one repeats).

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The status this receiver answered. */
  answered: number;
}

/** With `tls` (a key and certificate), it listens on https. */
export async function startReceiver(statuses: number[] = [200], { tls }: { tls?: { key: string; cert: string } } = {}) {
  const received: Received[] = [];
  const handle: RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const answered = statuses[Math.min(received.length, statuses.length - 1)]!;
      received.push({ path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), answered });
      // Slack answers "ok"; a gone webhook names why.
      res.writeHead(answered, { "Content-Type": "text/plain" });
      res.end(answered === 200 ? "ok" : answered === 410 ? "channel_is_archived" : "internal_error");
    });
  };
  const server = tls ? createTlsServer(tls, handle) : createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  afterThisTest(close);
  return {
    url: (path = "/hook") => `${tls ? "https" : "http"}://127.0.0.1:${port}${path}`,
    received,
    /** What the receiver accepted (answered 2xx): the messages it really got. */
    accepted: () => received.filter((r) => r.answered >= 200 && r.answered < 300),
    close,
  };
}
