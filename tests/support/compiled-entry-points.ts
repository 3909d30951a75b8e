import { existsSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { buildSync } from "esbuild";
import { type ENTRY_POINTS, entryPointsBuild } from "../../scripts/entry-points";
import { newestMtime } from "./source-times";

/** What the entry points are compiled from. */
const SOURCES = ["app", "db", "jobs", "seeds", "scripts", "server.ts"];

/**
 * The path of entry point `name` (scripts/entry-points.ts) compiled as the image runs it,
 * compiled once for the sources as they are: under node_modules/.cache, where its packages
 * resolve, shared by the run's test processes (each compiles beside it and renames, so none
 * reads half a directory). Starting web and worker processes through tsx cost ~1.2 s of CPU
 * more at each of the suite's ~80 starts.
 */
export function compiledEntryPoint(name: keyof typeof ENTRY_POINTS): string {
  const dir = path.resolve(
    "node_modules/.cache/gapmap-entry-points",
    String(Math.trunc(newestMtime(SOURCES))),
  );
  if (!existsSync(dir)) {
    const partial = `${dir}.${process.pid}`;
    buildSync(entryPointsBuild(partial));
    try {
      renameSync(partial, dir);
    } catch {
      rmSync(partial, { recursive: true, force: true }); // another process's copy came first
    }
  }
  return path.join(dir, `${name}.js`);
}
