// `worker --check`, the image's health check for a worker container: healthy while the
// worker's last heartbeat (jobs/heartbeat.ts) is fresh and found its PostgreSQL and Redis
// answering. Plain JavaScript reading one file, so a check costs milliseconds, not a
// TypeScript start-up.
/* global process, console */
import { readFileSync } from "node:fs";

function unhealthy(reason) {
  console.error(`worker unhealthy: ${reason}`);
  process.exit(1);
}

const file = process.env.GAPMAP_HEARTBEAT_FILE;
if (!file) unhealthy("GAPMAP_HEARTBEAT_FILE is not set, so the worker keeps no heartbeat");
let beat;
try {
  beat = JSON.parse(readFileSync(file, "utf8"));
} catch {
  unhealthy(`no heartbeat in ${file} yet (still starting, or its start-up is stuck)`);
}
const age = Math.round((Date.now() - Date.parse(beat.at)) / 1000);
if (!(Date.parse(beat.freshUntil) >= Date.now())) unhealthy(`last heartbeat ${age} s ago`);
const failing = Object.entries(beat.checks).filter(([, state]) => state !== "ok");
if (failing.length) unhealthy(failing.map(([name, state]) => `${name} ${state}`).join(", "));
console.log(`worker healthy: ${Object.keys(beat.checks).join(" and ")} answered ${age} s ago`);
