import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";
import type { BenchResults } from "../../bench/results";

// `npm run bench` end to end at a tiny size, as its own process the way a person runs it:
// every measurement is made and written, and the fan-out delivers every reminder exactly once
// on both backends. Speed is not judged here (the machine is shared with the rest of the
// suite); `npm run bench` at full size does that.

const dir = mkdtempSync(path.join(os.tmpdir(), "gapmap-bench-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("runs the whole benchmark at smoke size and writes every measurement", async () => {
  const out = path.join(dir, "results.json");
  // The benchmark makes its own database on the server of this run's.
  await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", "bench/run.ts", "--size", "smoke", "--out", out],
    { env: { ...process.env, LOG_LEVEL: "silent" }, maxBuffer: 16 * 1024 * 1024 },
  );
  const results = JSON.parse(readFileSync(out, "utf8")) as BenchResults;

  expect(results.dataset.counts).toMatchObject({
    members: 41,
    teams: 2,
    cycles: 3,
    mentorships: 10,
  });
  expect(results.dataset.counts.ratings).toBeGreaterThan(0);
  expect(results.dataset.seconds).toBeGreaterThan(0);
  for (const view of [results.views.team, results.views.organization, results.views.teamHeatmap]) {
    expect(view.http.count).toBeGreaterThan(0);
    expect(view.http.non2xx + view.http.errors).toBe(0);
    expect(view.raw.statements).toBeGreaterThan(0);
    expect(view.ratio).toBeGreaterThan(0);
    // Every measured page's size on the wire, raw and encoded.
    expect(view.bytes.raw).toBeGreaterThan(1000);
    expect(view.bytes.gzip).toBeLessThan(view.bytes.raw / 3);
    expect(view.bytes.br).toBeLessThan(view.bytes.raw / 3);
  }
  expect(results.views.team.members).toBe(20);
  expect(results.views.teamAfterChange.count).toBeGreaterThan(0);
  expect(results.views.organizationAfterChange.count).toBeGreaterThan(0);
  // The live cycle: saves landed while both views were read, and the web process told how
  // many figures it served from those kept.
  expect(results.live.saves.count).toBeGreaterThan(0);
  expect(results.live.saves.failed).toBe(0);
  expect(results.live.saves.ratings).toBeGreaterThanOrEqual(results.live.saves.count);
  expect(results.live.teamView.count).toBeGreaterThan(0);
  expect(results.live.organizationView.count).toBeGreaterThan(0);
  expect(results.live.cacheHitShare).toBeGreaterThanOrEqual(0);
  expect(results.live.cacheHitShare).toBeLessThanOrEqual(1);
  // Many tenants: small organisations loaded beside the large one, their views read while it
  // saved, each figure of the scenario measured.
  const tenants = results.manyTenants!;
  expect(tenants.load.organizations).toBe(3);
  expect(tenants.load.members).toBeGreaterThanOrEqual(3 * 6);
  expect(tenants.load.ratings).toBeGreaterThan(0);
  expect(tenants.organizationsRead).toBe(3);
  expect(tenants.saves.count).toBeGreaterThan(0);
  expect(tenants.saves.failed).toBe(0);
  expect(tenants.smallTeamView.count).toBeGreaterThan(0);
  expect(tenants.smallOrganizationView.count).toBeGreaterThan(0);
  expect(tenants.lockWaits.samples).toBeGreaterThan(0);
  expect(tenants.large.teamViewAfterChange.count).toBeGreaterThan(0);
  expect(tenants.large.organizationViewAfterChange.count).toBeGreaterThan(0);
  expect(tenants.rssHighWaterMb).toBeGreaterThan(0);
  expect(results.views.organization.members).toBe(41);
  expect(results.sustained.requestsPerSecond).toBeGreaterThan(0);
  expect(results.sustained.non2xx + results.sustained.errors).toBe(0);
  expect(results.sustained.rssHighWaterMb).toBeGreaterThan(0);
  expect(results.sustainedTwoProcesses).toMatchObject({ processes: 2, non2xx: 0, errors: 0 });
  expect(results.save).toMatchObject({ count: 3, ratingsPerSave: 56, ratingsWritten: 168 });
  expect(results.reports.organization.count).toBe(1);
  for (const backend of ["redis", "postgres"] as const) {
    const fanout = results.fanout[backend]!;
    expect(fanout).toMatchObject({
      members: 60,
      delivered: 60,
      duplicates: 0,
      missing: 0,
      notSent: 0,
    });
    expect(fanout.bare.jobs).toBe(60);
    expect(fanout.ratio).toBeGreaterThan(0);
    expect(fanout.smtp.messages).toBe(60);
    expect(fanout.ratioToSmtp).toBeGreaterThan(0);
  }
  // Every goal of the issue is judged, whatever the verdict on a busy machine.
  expect(results.goals.map((g) => g.id).sort()).toEqual(
    [
      "team-view-p95",
      "team-view-vs-raw",
      "team-view-uncached-vs-raw",
      "live-team-view-p95",
      "live-org-view-p95",
      "live-save-p95",
      "team-heatmap-p95",
      "team-heatmap-html",
      "team-heatmap-compressed",
      "org-view-p95",
      "sustained-rps",
      "sustained-p99",
      "web-rss",
      "org-report",
      "tenants-small-team-view-p95",
      "tenants-large-save-p95",
      "tenants-large-views",
      "tenants-web-rss",
      ...["redis", "postgres"].flatMap((b) => [
        `fanout-${b}-ratio`,
        `fanout-${b}-duplicates`,
        `fanout-${b}-time`,
      ]),
    ].sort(),
  );
}, 240_000);
