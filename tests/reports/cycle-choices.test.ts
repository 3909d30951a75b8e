import { beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import * as listRoute from "~/routes/_app.reports._index";
import { buildGapData, type GapData } from "../gaps/gap-data";
import { api, apiToken } from "../support/api-client";
import { buildRequest, call } from "../support/remix";

// The cycles a report can be made for are the caller's organisation's, opened or closed:
// another organisation's cycles (each org has its own 2026-Q3 and 2026-Q4) are never
// offered, on the reports page or through the API.

let ours: GapData;
let theirs: GapData;

beforeAll(async () => {
  [ours, theirs] = await Promise.all([buildGapData(), buildGapData()]);
});

/** The organisation's cycles, of the given statuses (default: all). */
const cyclesOf = async (organizationId: string, statuses?: ("open" | "closed")[]) =>
  (
    await db
      .selectFrom("cycles")
      .select("id")
      .where("organization_id", "=", organizationId)
      .$if(statuses !== undefined, (q) => q.where("status", "in", statuses!))
      .execute()
  )
    .map((c) => c.id)
    .sort();

type List = Awaited<ReturnType<typeof listRoute.loader>>;

describe("the cycles a report can be made for", () => {
  it("on the reports page: the organisation's opened and closed cycles, no one else's", async () => {
    const expected = await cyclesOf(ours.organizationId, ["open", "closed"]);
    expect(expected).toHaveLength(2);
    const foreign = await cyclesOf(theirs.organizationId);
    for (const who of [ours.admin, ours.lee]) {
      const page = await call<List>(
        listRoute.loader,
        buildRequest("/reports", { cookie: who.cookie }),
      );
      expect(page.status).toBe(200);
      const offered = page.data.cycles.map((c) => c.id);
      expect(offered.toSorted()).toEqual(expected);
      expect(offered.filter((id) => foreign.includes(id))).toEqual([]);
    }
  });

  it("through the API: the organisation's cycles only, and another organisation's cycle is not found", async () => {
    const token = (await apiToken(ours.organizationId, ours.admin.id)).secret;
    const listed = await api(token, "GET", "/cycles");
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((c: { id: string }) => c.id).sort()).toEqual(
      await cyclesOf(ours.organizationId),
    );
    expect((await api(token, "GET", `/cycles/${theirs.cycleId}`)).status).toBe(404);
    const reports = await api(token, "GET", "/reports");
    expect(reports.status).toBe(200);
    expect(reports.body.data).toEqual([]);
  });
});
