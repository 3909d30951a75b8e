import { randomBytes, randomUUID } from "node:crypto";
import { readdirSync } from "node:fs";
import http from "node:http";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import compression from "compression";
import express from "express";
import helmet from "helmet";
import type { ViteDevServer } from "vite";
import { allowReplicaReads } from "#db/read-replica";
import { SAFE_METHODS, isCrossSiteRequest } from "~/lib/csrf.server";
import { env } from "~/lib/env.server";
import { logger } from "~/lib/logger.server";
import { markWrite, wroteRecently } from "~/lib/recent-writes.server";
import { runInRequestScope } from "~/lib/request-scope.server";
import { metricsHandler, observeRequest, routePattern } from "~/metrics.server";

// The HTTP layer in front of Remix: security headers, the cross-site check on every
// mutating request, static assets, request ids and access logs; and the server's timeouts.

/**
 * The host the client addressed: behind a trusted proxy (TRUST_PROXY) the first
 * X-Forwarded-Host, which a proxy that rewrites Host keeps the original in; else Host.
 */
function publicHost(req: express.Request): string | undefined {
  // Express's own trust test, as its req.hostname applies it.
  const trusted = req.app.get("trust proxy fn") as (
    address: string | undefined,
    hop: number,
  ) => boolean;
  const forwarded = trusted(req.socket.remoteAddress, 0)
    ? req.get("x-forwarded-host")?.split(",")[0]?.trim()
    : undefined;
  return forwarded || req.get("host");
}

/**
 * Serves `app` on `port` with the timeouts a server facing the open internet needs (README,
 * Operations): a client that drips its headers or body is cut off instead of holding its
 * connection for Node's defaults (60 s for headers, 5 minutes for a request).
 */
export function listen(app: express.Express, port: number, onListening: () => void) {
  const config = env();
  const server = http.createServer(
    {
      headersTimeout: config.GAPMAP_HEADERS_TIMEOUT_MS,
      requestTimeout: config.GAPMAP_REQUEST_TIMEOUT_MS,
      keepAliveTimeout: config.GAPMAP_KEEP_ALIVE_TIMEOUT_MS,
      // How often Node looks for connections past those timeouts (default 30 s, which would
      // let a slow client overstay by as much again).
      connectionsCheckingInterval: 1_000,
    },
    app,
  );
  return server.listen(port, onListening);
}

/**
 * `build`: the production build itself, or (in development) a function that loads the
 * current one. Given the build, Remix prepares its route table once; given a function, it
 * does so again on every request (~2 ms of CPU each, a tenth of a gap-view request).
 */
export function createHttpApp(options: {
  build: ServerBuild | (() => Promise<ServerBuild>);
  vite?: ViteDevServer;
}) {
  const { build } = options;
  const currentBuild = typeof build === "function" ? build : () => Promise.resolve(build);
  const app = express();
  app.disable("x-powered-by");
  if (process.env.TRUST_PROXY) app.set("trust proxy", process.env.TRUST_PROXY);

  app.use((req, res, next) => {
    res.locals.requestId = (req.get("x-request-id") ?? "").slice(0, 64) || randomUUID();
    res.locals.cspNonce = randomBytes(16).toString("base64");
    res.setHeader("X-Request-Id", res.locals.requestId);
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // A static asset (neither a page nor /metrics) is logged at debug: a page visit loads
      // dozens. The metrics below still count it (route "static").
      const asset = !res.locals.remix && !res.locals.route;
      logger[asset ? "debug" : "info"](
        {
          requestId: res.locals.requestId,
          method: req.method,
          path: req.path,
          status: res.statusCode,
          ms: Math.round(ms),
        },
        "request",
      );
      // Labelled by route pattern, never the raw path: ids would make a series each.
      const route: Promise<string> = res.locals.remix
        ? currentBuild().then((served) => routePattern(served, req.path))
        : Promise.resolve(res.locals.route ?? "static");
      route
        .then((r) =>
          observeRequest({ method: req.method, route: r, status: res.statusCode }, ms / 1000),
        )
        .catch((err: unknown) => logger.warn({ err }, "metrics: request not recorded"));
    });
    next();
  });

  const dev = Boolean(options.vite);
  app.use(
    helmet({
      // Vite's dev server injects inline scripts; the production build runs under a strict CSP.
      contentSecurityPolicy: dev
        ? false
        : {
            directives: {
              defaultSrc: ["'self'"],
              scriptSrc: [
                "'self'",
                (_req, res) => `'nonce-${(res as express.Response).locals.cspNonce}'`,
              ],
              styleSrc: ["'self'", "'unsafe-inline'"],
              imgSrc: ["'self'", "data:"],
              connectSrc: ["'self'"],
              fontSrc: ["'self'"],
              objectSrc: ["'none'"],
              baseUri: ["'self'"],
              formAction: ["'self'"],
              frameAncestors: ["'none'"],
              upgradeInsecureRequests: env().APP_URL.startsWith("https://") ? [] : null,
            },
          },
      strictTransportSecurity: env().APP_URL.startsWith("https://"),
      referrerPolicy: { policy: "strict-origin-when-cross-origin" },
      crossOriginEmbedderPolicy: false,
    }),
  );

  // gzip or brotli, as the client accepts, for every compressible type (HTML, single-fetch
  // .data, JSON, CSS, JS).
  app.use(compression());
  // Remix flushes after every chunk it writes (React's are ~2 KB), and each flush ends the
  // encoder's block: a 200 KB heatmap came out a third larger. No page streams in parts (no
  // deferred data), so the encoder emits when its buffer fills and at the end.
  app.use((_req, res, next) => {
    res.flush = () => undefined;
    next();
  });

  // A page's loaders share their lookups (who is signed in, the gap view's scope) within
  // one GET; see request-scope.server.ts.
  // With a read replica, a GET's reads may go there unless its caller has just written.
  const replica = Boolean(env().DATABASE_REPLICA_URL);
  app.use((req, res, next) => {
    if (req.method === "GET" || req.method === "HEAD")
      runInRequestScope(() => (replica && !wroteRecently(req) ? allowReplicaReads(next) : next()));
    else {
      if (replica) markWrite(req, res);
      next();
    }
  });

  app.use((req, res, next) => {
    const origin = req.get("origin");
    const crossSite = isCrossSiteRequest({
      method: req.method,
      origin,
      secFetchSite: req.get("sec-fetch-site"),
      host: publicHost(req),
      appUrl: env().APP_URL,
    });
    if (crossSite) {
      res.status(403).type("text/plain").send("Cross-site request refused");
      return;
    }
    // Remix checks actions again on its own (Origin against X-Forwarded-Host, else Host,
    // whatever the proxy setting), so behind a proxy that rewrites Host it answered 500 to
    // every form this check had accepted. This check is the one that decides: Remix is told
    // the host it accepted.
    if (origin && origin !== "null" && !SAFE_METHODS.has(req.method)) {
      req.headers["x-forwarded-host"] = new URL(origin).host;
    }
    next();
  });

  app.get("/metrics", (req, res) => {
    res.locals.route = "/metrics";
    void metricsHandler(req, res);
  });

  if (options.vite) {
    app.use(options.vite.middlewares);
  } else {
    app.use("/assets", express.static("build/client/assets", { immutable: true, maxAge: "1y" }));
    // The build's few top-level files (favicon…), looked up on disk only for their own paths
    // rather than for every page request.
    const topLevel = new Set(
      readdirSync("build/client", { withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => `/${entry.name}`),
    );
    const serveTopLevel = express.static("build/client", { maxAge: "1h", index: false });
    app.use((req, res, next) => (topLevel.has(req.path) ? serveTopLevel(req, res, next) : next()));
  }

  app.all(
    "*",
    (_req, res, next) => {
      res.locals.remix = true;
      next();
    },
    createRequestHandler({
      build,
      getLoadContext: (req, res) => ({
        clientIp: req.ip ?? null,
        cspNonce: res.locals.cspNonce as string,
        requestId: res.locals.requestId as string,
        logger: logger.child({ requestId: res.locals.requestId as string }),
      }),
    }),
  );
  // Express's own error page (e.g. 400 for a malformed %-escape in the path) drops every
  // header set above, the security headers with them: answer here instead, keeping them.
  app.use(
    (
      error: { status?: number },
      _req: express.Request,
      res: express.Response,
      next: express.NextFunction,
    ) => {
      if (res.headersSent) return next(error);
      const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 500;
      if (status >= 500)
        logger.error({ err: error, requestId: res.locals.requestId }, "request failed");
      res
        .status(status)
        .type("text/plain")
        .send(status === 400 ? "Bad request" : "Something went wrong");
    },
  );
  return app;
}
