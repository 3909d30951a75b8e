import { randomBytes, randomUUID } from "node:crypto";
import { readdirSync } from "node:fs";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import express from "express";
import helmet from "helmet";
import type { ViteDevServer } from "vite";
import { isCrossSiteRequest } from "~/lib/csrf.server";
import { env } from "~/lib/env.server";
import { logger } from "~/lib/logger.server";
import { runInRequestScope } from "~/lib/request-scope.server";
import { metricsHandler, observeRequest, routePattern } from "~/lib/metrics.server";

// The HTTP layer in front of Remix: security headers, the cross-site check on every
// mutating request, static assets, request ids and access logs.

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
      logger.info(
        { requestId: res.locals.requestId, method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms) },
        "request",
      );
      // Labelled by route pattern, never the raw path: ids would make a series each.
      const route: Promise<string> = res.locals.remix
        ? currentBuild().then((served) => routePattern(served, req.path))
        : Promise.resolve(res.locals.route ?? "static");
      route
        .then((r) => observeRequest({ method: req.method, route: r, status: res.statusCode }, ms / 1000))
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
              scriptSrc: ["'self'", (_req, res) => `'nonce-${(res as express.Response).locals.cspNonce}'`],
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

  // A page's loaders share their lookups (who is signed in, the gap view's scope) within
  // one GET; see request-scope.server.ts.
  app.use((req, _res, next) => {
    if (req.method === "GET" || req.method === "HEAD") runInRequestScope(next);
    else next();
  });

  app.use((req, res, next) => {
    const crossSite = isCrossSiteRequest({
      method: req.method,
      origin: req.get("origin"),
      secFetchSite: req.get("sec-fetch-site"),
      host: req.get("host"),
      appUrl: env().APP_URL,
    });
    if (crossSite) {
      res.status(403).type("text/plain").send("Cross-site request refused");
      return;
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
  app.use((error: { status?: number }, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (res.headersSent) return next(error);
    const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 500;
    if (status >= 500) logger.error({ err: error, requestId: res.locals.requestId }, "request failed");
    res.status(status).type("text/plain").send(status === 400 ? "Bad request" : "Something went wrong");
  });
  return app;
}
