import { beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { setMuted } from "~/modules/notifications/mutes.server";
import { generateDueReports } from "~/modules/reports/due-reports.server";
import { buildGapData, type GapData } from "../gaps/gap-data";
import { addMember } from "../support/factories";

let data: GapData;
beforeAll(async () => {
  data = await buildGapData();
});

const reports = () =>
  db
    .selectFrom("reports")
    .innerJoin("cycles", "cycles.id", "reports.cycle_id")
    .select(["reports.id", "cycles.name", "reports.team_id", "reports.trigger"])
    .where("reports.organization_id", "=", data.organizationId)
    .execute();

const readyMails = () =>
  db
    .selectFrom("notifications")
    .select(["recipient_email", "subject", "idempotency_key"])
    .where("organization_id", "=", data.organizationId)
    .where("kind", "=", "report_ready")
    .orderBy("recipient_email")
    .execute();

describe("the worker's report scan", () => {
  it("reports every closed cycle once per scope, and emails only about a fresh close", async () => {
    const scan = () => generateDueReports(new Date(), { organizationId: data.organizationId });
    // 2026-Q3 was closed before anyone was watching: reported for the organisation and the
    // team that took part (Team T's Ben was rated in it; Team U's Dan was not), silently.
    expect(await scan()).toBe(2);
    expect(await scan()).toBe(0);
    const first = await reports();
    expect(first.map((r) => [r.name, r.trigger]).sort()).toEqual([
      ["2026-Q3", "cycle_closed"],
      ["2026-Q3", "cycle_closed"],
    ]);
    expect(new Set(first.map((r) => r.team_id))).toEqual(new Set([null, data.teamT.id]));
    expect(await readyMails()).toEqual([]);

    // 2026-Q4 closes now: its leads (Team T's Lee; Team U has none) and the admins hear of it,
    // except whoever muted "report ready".
    await db
      .updateTable("cycles")
      .set({ status: "closed", closed_at: new Date() })
      .where("id", "=", data.cycleId)
      .execute();
    const quiet = await addMember(data.organizationId, "admin", "Quiet Admin");
    await setMuted(
      { organizationId: data.organizationId, userId: quiet.id, kind: "report_ready" },
      true,
    );
    expect(await scan()).toBe(3);
    const mails = await readyMails();
    expect(mails.map((m) => [m.recipient_email, m.subject])).toEqual(
      [
        [data.admin.email, "The 2026-Q4 report for the whole organisation is ready"],
        [data.lee.email, "The 2026-Q4 report for Team T is ready"],
      ].sort((a, b) => a[0]!.localeCompare(b[0]!)),
    );
    expect(await scan()).toBe(0);
    expect(await readyMails()).toHaveLength(2);
  });
});
