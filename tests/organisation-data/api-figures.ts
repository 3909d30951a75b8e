import { spawnSync } from "node:child_process";
import { db } from "#db/database";
import { api, apiToken } from "../support/api-client";

// Every figure the REST API shows for an organisation (members, teams, frameworks, cycles,
// ratings, the gap view's figures and heatmap for every team and the whole organisation,
// mentorships, every report's summary and CSV), with ids (uuids and sequence numbers) blanked
// and lists put in one order, so two installations holding the same organisation under other
// ids compare equal.
// Run in this process (DATABASE_URL's database) or, for another database, in a child process
// through tests/organisation-data/figures-cli.ts.

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

function canonical(value: unknown): unknown {
  if (typeof value === "string") return value.replace(UUID, "<id>");
  if (Array.isArray(value))
    return value.map(canonical).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  if (value && typeof value === "object")
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== "nextCursor")
        // Sequence ids (a rating's) are renumbered by an import, as uuids are replaced.
        .map(([k, v]) => [k, /^id$|Id$/.test(k) && typeof v === "number" ? "<id>" : canonical(v)]),
    );
  return value;
}

export async function apiFigures(organizationId: string): Promise<Record<string, unknown>> {
  const admin = await db
    .selectFrom("memberships")
    .select("user_id")
    .where("organization_id", "=", organizationId)
    .where("role", "=", "admin")
    .where("active", "=", true)
    .orderBy("created_at")
    .executeTakeFirstOrThrow();
  const { secret } = await apiToken(organizationId, admin.user_id, { scope: "read" });
  const figures: Record<string, unknown> = {};
  const get = async (path: string) => {
    const response = await api(secret, "GET", path);
    if (response.status !== 200)
      throw new Error(`GET ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };
  /** Every page of a cursor-paged list. */
  const all = async (path: string) => {
    const rows: unknown[] = [];
    let cursor: string | null = null;
    do {
      const separator = path.includes("?") ? "&" : "?";
      const page = await get(`${path}${separator}limit=200${cursor ? `&cursor=${cursor}` : ""}`);
      rows.push(...page.data);
      cursor = page.nextCursor ?? null;
    } while (cursor);
    return rows as { id: string }[];
  };

  const members = await all("/members");
  figures.members = members;
  figures.memberDetails = await Promise.all(members.map((m) => get(`/members/${m.id}`)));
  const teams = (await get("/teams")).data as { id: string }[];
  figures.teams = await Promise.all(teams.map((t) => get(`/teams/${t.id}`)));
  const frameworks = (await get("/frameworks")).data as { id: string }[];
  figures.frameworks = await Promise.all(frameworks.map((f) => get(`/frameworks/${f.id}`)));
  const cycles = (await get("/cycles")).data as { id: string }[];
  figures.cycles = await Promise.all(cycles.map((c) => get(`/cycles/${c.id}`)));
  figures.ratings = await all("/ratings");
  for (const scope of ["", ...teams.map((t) => `?team=${t.id}`)]) {
    const name = scope ? teams.find((t) => scope.endsWith(t.id)) : null;
    const key = name ? JSON.stringify(canonical(name)) : "organisation";
    figures[`gaps ${key}`] = await get(`/gaps${scope}`);
    figures[`heatmap ${key}`] = await get(`/gaps/heatmap${scope}`);
  }
  const mentorships = await all("/mentorships");
  figures.mentorships = await Promise.all(mentorships.map((m) => get(`/mentorships/${m.id}`)));
  const reports = (await get("/reports")).data as { id: string }[];
  figures.reports = await Promise.all(reports.map((r) => get(`/reports/${r.id}`)));
  figures.reportCsvs = await Promise.all(
    reports.map(async (r) =>
      String(await get(`/reports/${r.id}/csv`))
        .split("\n")
        .sort(),
    ),
  );
  return canonical(figures) as Record<string, unknown>;
}

/** The same figures, read from another database by a child process. */
export function apiFiguresIn(databaseUrl: string, organizationId: string): Record<string, unknown> {
  // The whole suite shares one PostgreSQL server: at its busiest every connection slot can be
  // taken for a moment ("too many clients", 53300). That is the test server's limit, not the
  // figures': wait and read again, a few times.
  for (let attempt = 1; ; attempt++) {
    try {
      return readFiguresIn(databaseUrl, organizationId);
    } catch (error) {
      // Out of slots, the child's reads fail as "too many clients" or as a 500 of the API's.
      if (attempt >= 4) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5_000 * attempt);
    }
  }
}

function readFiguresIn(databaseUrl: string, organizationId: string): Record<string, unknown> {
  const result = spawnSync(
    "npx",
    ["tsx", "tests/organisation-data/figures-cli.ts", organizationId],
    {
      env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: "silent" },
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
      timeout: 240_000,
    },
  );
  if (result.status !== 0) throw new Error(`figures-cli failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}
