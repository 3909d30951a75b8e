import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildIsCurrent, sourceHash } from "../../scripts/build-if-changed";

// `npm start` builds only when the sources changed since the last build (issue 22): a second
// start of an unchanged clone reuses build/.

let root = "";
afterEach(() => rmSync(root, { recursive: true, force: true }));

function clone() {
  root = mkdtempSync(path.join(tmpdir(), "gapmap-build-"));
  for (const dir of ["app/routes", "db", "build/server", "build/client"])
    mkdirSync(path.join(root, dir), { recursive: true });
  writeFileSync(path.join(root, "app/routes/_index.tsx"), "export default () => null;\n");
  writeFileSync(path.join(root, "db/schema.ts"), "export {};\n");
  writeFileSync(path.join(root, "package-lock.json"), "{}\n");
  writeFileSync(path.join(root, "build/server/index.js"), "// built\n");
  writeFileSync(path.join(root, "build/.source-hash"), `${sourceHash(root)}\n`);
  return root;
}

describe("whether npm start must build", () => {
  it("reuses a build made from the same sources, even when their files were touched", () => {
    const dir = clone();
    expect(buildIsCurrent(dir)).toBe(true);
    const later = new Date(Date.now() + 60_000);
    utimesSync(path.join(dir, "app/routes/_index.tsx"), later, later);
    expect(buildIsCurrent(dir)).toBe(true);
  });

  it("builds again when a source, a new file or the lockfile changed", () => {
    for (const change of [
      (dir: string) =>
        writeFileSync(path.join(dir, "app/routes/_index.tsx"), "export default 1;\n"),
      (dir: string) => writeFileSync(path.join(dir, "app/routes/new.tsx"), "export {};\n"),
      (dir: string) => writeFileSync(path.join(dir, "db/schema.ts"), "export const x = 1;\n"),
      (dir: string) => writeFileSync(path.join(dir, "package-lock.json"), '{"v":2}\n'),
    ]) {
      const dir = clone();
      change(dir);
      expect(buildIsCurrent(dir)).toBe(false);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("builds when there is no build, or a build left no hash (it failed or was stopped)", () => {
    const dir = clone();
    rmSync(path.join(dir, "build/.source-hash"));
    expect(buildIsCurrent(dir)).toBe(false);
    const other = clone();
    rmSync(path.join(other, "build/server"), { recursive: true });
    expect(buildIsCurrent(other)).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });
});
