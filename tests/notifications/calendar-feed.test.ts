import ical, { type VEvent } from "node-ical";
import { describe, expect, it } from "vitest";
import { db } from "#db/database";
import * as calendarPage from "~/routes/_app.calendar";
import * as feedRoute from "~/routes/feeds.$token[.ics]";
import { buildGapData } from "../gaps/gap-data";
import { buildRequest, call } from "../support/remix";

// The private calendar feed, read back with an independent iCalendar parser (node-ical).

async function fixture(timeZone = "Pacific/Auckland") {
  const g = await buildGapData();
  await db.updateTable("organizations").set({ time_zone: timeZone }).where("id", "=", g.organizationId).execute();
  // Ann mentors Ben every 14 days from 1 November: the next check-in is on the 15th.
  const mentorship = await db
    .updateTable("mentorships")
    .set({ starts_on: "2026-11-01" })
    .where("organization_id", "=", g.organizationId)
    .returning("id")
    .executeTakeFirstOrThrow();
  return { ...g, mentorshipId: mentorship.id };
}

async function issue(cookie: string, form: Record<string, string> = {}) {
  const result = await call<{ url: string | null }>(
    calendarPage.action,
    buildRequest("/calendar", { cookie, form: { intent: "issue", ...form } }),
  );
  expect(result.status).toBe(200);
  return result.data.url!;
}

async function fetchFeed(url: string) {
  const token = new URL(url).pathname.match(/^\/feeds\/(.+)\.ics$/)![1]!;
  const result = await call<string>(feedRoute.loader, buildRequest(new URL(url).pathname), { token });
  return { status: result.status, text: result.data, type: result.headers.get("Content-Type") };
}

function events(text: string) {
  return Object.values(ical.sync.parseICS(text)).filter((c): c is VEvent => c?.type === "VEVENT");
}

const day = (e: VEvent) => {
  const d = e.start as Date;
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
};

describe("the calendar feed", () => {
  it("holds the person's due date, the cycle's dates and the next check-in named after the other person, as all-day dates in the organisation's zone", async () => {
    const t = await fixture();
    const url = await issue(t.ben.cookie);
    expect(url).toMatch(/^http:\/\/localhost:3000\/feeds\/[a-z2-7]{32}\.ics$/);
    const feed = await fetchFeed(url);
    expect(feed.status).toBe(200);
    expect(feed.type).toContain("text/calendar");
    expect(feed.text).toContain("X-WR-TIMEZONE:Pacific/Auckland");
    const byName = Object.fromEntries(events(feed.text).map((e) => [String(e.summary), e]));
    const due = Object.entries(byName).find(([name]) => name.startsWith("Self-assessment due"))![1];
    expect(due.datetype).toBe("date");
    expect(day(due)).toBe("2026-11-15");
    expect(feed.text).toMatch(/DTSTART;VALUE=DATE:20261115/);
    const checkIn = Object.entries(byName).find(([name]) => name.startsWith("Mentoring check-in with"))![1];
    expect(String(checkIn.summary)).toContain(t.ann.display_name);
    expect(day(checkIn)).toBe("2026-11-15");
    expect(JSON.stringify(checkIn.url)).toContain(`http://localhost:3000/mentoring/${t.mentorshipId}`);
    expect(Object.keys(byName).some((n) => n.endsWith("review cycle starts"))).toBe(true);
    expect(Object.keys(byName).some((n) => n.endsWith("review cycle ends"))).toBe(true);
    // The stored hash only.
    const stored = await db.selectFrom("calendar_feeds").selectAll().where("membership_id", "=", t.ben.membershipId).executeTakeFirstOrThrow();
    expect(url).not.toContain(stored.token_hash);
  });

  it("keeps every event's UID across regenerations, so a logged check-in moves its event instead of adding one", async () => {
    const t = await fixture();
    const url = await issue(t.ann.cookie);
    const before = events((await fetchFeed(url)).text);
    const again = events((await fetchFeed(url)).text);
    expect(again.map((e) => e.uid).sort()).toEqual(before.map((e) => e.uid).sort());
    expect(new Set(before.map((e) => e.uid)).size).toBe(before.length);

    await db.insertInto("check_ins").values({ organization_id: t.organizationId, mentorship_id: t.mentorshipId, occurred_on: "2026-11-20" }).execute();
    const after = events((await fetchFeed(url)).text);
    expect(after.map((e) => e.uid).sort()).toEqual(before.map((e) => e.uid).sort());
    const moved = after.find((e) => String(e.summary).includes(t.ben.display_name))!;
    expect(String(moved.summary)).toContain("Mentoring check-in with");
    expect(day(moved)).toBe("2026-12-04");
  });

  it("lets a lead add the check-ins of the team they lead; an engineer cannot", async () => {
    const t = await fixture();
    const withTeam = events((await fetchFeed(await issue(t.lee.cookie, { includeTeam: "on" }))).text);
    expect(withTeam.some((e) => String(e.summary).startsWith(`Check-in: ${t.ann.display_name} mentoring ${t.ben.display_name} (`))).toBe(true);
    const without = events((await fetchFeed(await issue(t.lee.cookie))).text);
    expect(without.some((e) => String(e.summary).startsWith("Check-in:"))).toBe(false);
    // Dan is an engineer of Team U: asking for a team changes nothing.
    const dan = events((await fetchFeed(await issue(t.dan.cookie, { includeTeam: "on" }))).text);
    expect(dan.some((e) => String(e.summary).includes("check-in") || String(e.summary).startsWith("Check-in"))).toBe(false);
  });

  it("stops answering a revoked link, and a new link replaces the old one", async () => {
    const t = await fixture();
    const first = await issue(t.ben.cookie);
    const second = await issue(t.ben.cookie);
    expect((await fetchFeed(first)).status).toBe(404);
    expect((await fetchFeed(second)).status).toBe(200);
    const revoke = await call(calendarPage.action, buildRequest("/calendar", { cookie: t.ben.cookie, form: { intent: "revoke" } }));
    expect(revoke.status).toBe(200);
    expect((await fetchFeed(second)).status).toBe(404);
    // A deactivated member's link stops too.
    const third = await issue(t.ben.cookie);
    await db.updateTable("memberships").set({ active: false }).where("id", "=", t.ben.membershipId).execute();
    expect((await fetchFeed(third)).status).toBe(404);
  });
});
