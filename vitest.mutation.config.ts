import { defineConfig } from "vitest/config";
import base from "./vitest.config";

// The tests Stryker runs against its mutants (stryker.config.mjs): the unit tests of the
// pure modules it mutates. They need no database, so none is set up.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      "tests/frameworks/markdown-outline.test.ts",
      "tests/frameworks/framework-csv-format.test.ts",
      "tests/frameworks/level-descriptor-schemas.test.ts",
      "tests/gaps/gap-formula.test.ts",
      "tests/assessments/cycle-calendar.test.ts",
      "tests/relative-age.test.ts",
    ],
    globalSetup: [],
    setupFiles: [],
  },
});
