import tsconfigPaths from "vite-tsconfig-paths";
import { defineConfig } from "vitest/config";
import SlowFirstSequencer from "./tests/support/slow-first-sequencer";

export default defineConfig({
  plugins: [tsconfigPaths()],
  test: {
    include: ["tests/**/*.test.ts", "tests/**/*.test.tsx"],
    globalSetup: ["tests/support/global-setup.ts"],
    setupFiles: ["tests/support/setup-env.ts"],
    pool: "forks",
    sequence: { sequencer: SlowFirstSequencer },
    // Vitest's default is one file at a time on a 2-core machine (cores − 1), though most
    // files wait on Postgres, a child process or Chromium; files share nothing but the run's
    // database, where each builds organisations of its own.
    maxWorkers: 3,
    // A worker process keeps the modules it loaded from one test file to the next: loading
    // the app's module graph again for each of ~110 files was a sixth of the run's CPU on two
    // cores. Files share nothing but the run's database; what a test starts is stopped by the
    // setup file's after-each hook (support/test-cleanups.ts), and the benchmark, which points
    // the app's database elsewhere, runs as its own process.
    isolate: false,
    // A committed .only fails the run instead of quietly skipping the rest of its file.
    allowOnly: false,
    // Three files at once beside the container test's image build: a browser journey that
    // takes 15 s alone can take three times that, so the limit is for hangs, not for speed.
    testTimeout: 90_000,
    hookTimeout: 180_000,
    // expect.poll waits on the browser or a worker: 1 s (vitest's default) is too short for a
    // client-side navigation on a loaded machine.
    expect: { poll: { timeout: 15_000 } },
  },
});
