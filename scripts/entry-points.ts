// The Node entry points compiled to JavaScript (esbuild), as the production image runs them
// (docker-entrypoint.sh: build/node/<name>.js where it exists), and as the tests start their
// web and worker processes (tests/support/compiled-entry-points.ts).
import type { BuildOptions } from "esbuild";

/** The image's commands (docker-entrypoint.sh): web, worker, migrate, seed. */
export const ENTRY_POINTS = {
  server: "server.ts",
  worker: "jobs/run-worker.ts",
  migrate: "db/migrate.ts",
  seed: "seeds/run.ts",
};

/**
 * esbuild's options for `outdir`/<name>.js. Packages stay imports, resolved from `outdir`
 * upwards: it must sit where node_modules can be found (the checkout, or a directory with a
 * link to it).
 */
export function entryPointsBuild(
  outdir: string,
  entryPoints: Partial<typeof ENTRY_POINTS> = ENTRY_POINTS,
): BuildOptions {
  return {
    entryPoints,
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node22",
    packages: "external",
    tsconfig: "tsconfig.json",
    logLevel: "warning",
  };
}
