// `npm run bench`: the benchmark on a large organisation (see the README's "Performance").
// Options: `npm run bench -- --help`.
import { parseBenchOptions, UsageError } from "./options";

process.env.LOG_LEVEL ??= "silent";

let options;
try {
  options = parseBenchOptions(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(error instanceof UsageError && process.argv.includes("--help") ? 0 : 2);
}

// Loaded after LOG_LEVEL is settled: the app's logger reads it when first imported.
const { runBench } = await import("./pipeline");
try {
  const results = await runBench(options);
  const missed = results.goals.filter((g) => !g.pass).length;
  console.log(missed ? `${missed} goal(s) missed` : "every goal met");
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
}
// The app's database pool and queue connections stay open after the run; the results are
// written, so end here rather than wait on them (the command used to hang after its table).
process.exit();
