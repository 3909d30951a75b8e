// `npm test`: the type check and the lint run beside the tests instead of before them: each
// alone left a core of a two-core machine idle; beside Vitest they fill it. Their output is
// printed when each ends, the tests' as it goes, a summary last; the exit code is 1 if any of
// the three failed.
// Arguments go to Vitest.
import { spawn } from "node:child_process";
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

// The type check and the lint are package.json's own scripts, so each command is written once
// (the type check runs TypeScript 7, the compiler's native port: README, Tests).
const steps = [
  { name: "type check", command: "npm", args: ["run", "--silent", "typecheck"], buffered: true },
  { name: "lint", command: "npm", args: ["run", "--silent", "lint"], buffered: true },
  {
    name: "tests",
    command: "node_modules/.bin/vitest",
    args: ["run", ...process.argv.slice(2)],
    buffered: false,
  },
].map(async ({ name, command, args, buffered }) => {
  const { code, output } = await run(command, args, buffered);
  if (buffered) process.stdout.write(`\n${name}: exit ${code}\n${output}`);
  return `${name} ${code === 0 ? "passed" : `FAILED (exit ${code})`}`;
});

const results = await Promise.all(steps);
process.stdout.write(`\n${results.join(", ")}\n`);
process.exit(results.every((result) => result.endsWith("passed")) ? 0 : 1);
