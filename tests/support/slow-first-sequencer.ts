import { BaseSequencer, type TestSpecification } from "vitest/node";

// Vitest runs the files it has timed before longest first, and files it has not (every CI run:
// a fresh clone) largest first. Size says little here: the worker fault file is 100 lines and
// runs for minutes, and started last in a CI run it alone was the run's last 3 minutes. These
// files, the longest in CI runs (seconds beside the rest of the suite on two cores), start
// first, in this order; the rest follow in Vitest's own order.
const LONGEST = [
  "tests/notifications/worker-faults.test.ts", // ~200 s
  "tests/production/image.test.ts", // ~240 s, most of it the image build, which waits for no test
  "tests/notifications/redis-cluster.test.ts", // ~40 s alone, over a minute in a loaded run
  "tests/e2e/journeys.test.ts", // ~170 s
  "tests/e2e/every-page.test.ts", // ~90 s alone
  "tests/bench/bench-smoke.test.ts", // ~80 s
  "tests/security/hostile-inputs.test.ts", // ~80 s
];

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]) {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const index = LONGEST.findIndex((file) => spec.moduleId.endsWith(file));
      return index === -1 ? LONGEST.length : index;
    };
    // Array.prototype.sort is stable: the rest keep Vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
