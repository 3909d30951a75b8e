import { readdirSync, statSync } from "node:fs";
import path from "node:path";

/** The latest modification time of any file under `paths` (files or directories). */
export function newestMtime(paths: string[]): number {
  let newest = 0;
  for (const entry of paths) {
    const stat = statSync(entry);
    newest = Math.max(
      newest,
      stat.isDirectory()
        ? newestMtime(readdirSync(entry).map((name) => path.join(entry, name)))
        : stat.mtimeMs,
    );
  }
  return newest;
}
