// What the HTTP server passes to every loader and action.
declare module "@remix-run/node" {
  interface AppLoadContext {
    clientIp: string | null;
    cspNonce: string;
    requestId: string;
  }
}

export {};
