// @ts-check
// Mutation testing of the pure modules (`npm run test:mutation`, not part of `npm test`):
// the gap formula, the Markdown outline parser, the framework CSV format and its cells, the
// level descriptor forms, and the date and cycle arithmetic. Their unit tests are listed in
// vitest.mutation.config.ts; no database or Redis is needed.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  vitest: { configFile: "vitest.mutation.config.ts", related: false },
  mutate: [
    "app/modules/gaps/gap-formula.ts",
    "app/modules/frameworks/markdown-outline.ts",
    "app/modules/frameworks/framework-csv.ts",
    "app/lib/csv-cells.ts",
    "app/modules/frameworks/level-descriptor-schemas.ts",
    "app/modules/assessments/cycle-calendar.ts",
    "app/lib/relative-age.ts",
  ],
  coverageAnalysis: "perTest",
  // Mutants of module-level values (the zod schemas, the parser's regular expressions) can
  // only be tested by reloading every test file for each: ~80 % of the run's time for ~45 %
  // of the mutants. They are left out of the score (listed as ignored in the report).
  ignoreStatic: true,
  // CPU-heavy: two test processes at most on a shared machine.
  concurrency: 2,
  timeoutMS: 20_000,
  thresholds: { high: 90, low: 80, break: 80 },
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: "reports/mutation/index.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  tempDirName: ".stryker-tmp",
  // The sandbox is a copy of the project: leave out what the tests never read.
  ignorePatterns: ["build", ".data", "bench/results*", "test-results", "docs", "reports"],
  cleanTempDir: true,
};
