// `npm test`: the type check and the lint run beside the tests instead of before them: each
// alone left a core of a two-core machine idle; beside Vitest they fill it. Their output is
// printed when each ends, the tests' as it goes, a summary last; the exit code is 1 if any of
// the three failed.
// Arguments go to Vitest.
import { spawn } from "node:child_process";
import path from "node:path";
import process from "node:process";

function run(command, args, buffered) {
  return new Promise((resolve) => {
    const stdio = buffered ? "pipe" : "inherit";
    const child = spawn(command, args, { stdio: ["ignore", stdio, stdio] });
    let output = "";
    for (const stream of [child.stdout, child.stderr])
      stream?.setEncoding("utf8").on("data", (chunk) => (output += chunk));
    // "close", not "exit": the piped output may still be arriving when the process exits.
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

const steps = [
  // TypeScript 7, the compiler's native port: the same checks in a third of 5.9's CPU
  // (23 against 59 CPU-s here), which the suite's files need on a saturated machine. 5.9
  // stays installed as `typescript` for the tools that load its JavaScript API (typescript-eslint).
  ["type check", "node_modules/typescript-go/bin/tsc", ["--noEmit"]],
  ["lint", "node_modules/.bin/eslint", [".", "--max-warnings=0"]],
  ["tests", "node_modules/.bin/vitest", ["run", ...process.argv.slice(2)]],
].map(async ([name, command, args]) => {
  const buffered = !command.endsWith("vitest");
  const { code, output } = await run(command, args, buffered);
  if (buffered)
    process.stdout.write(`\n${name} (${path.basename(command)}): exit ${code}\n${output}`);
  return `${name} ${code === 0 ? "passed" : `FAILED (exit ${code})`}`;
});

const results = await Promise.all(steps);
process.stdout.write(`\n${results.join(", ")}\n`);
process.exit(results.every((result) => result.endsWith("passed")) ? 0 : 1);
