import type { Logger } from "pino";

// What the HTTP server passes to every loader and action.
declare module "@remix-run/node" {
  interface AppLoadContext {
    clientIp: string | null;
    cspNonce: string;
    requestId: string;
    /** The app's logger with this request's id on every line. */
    logger: Logger;
  }
}

export {};
