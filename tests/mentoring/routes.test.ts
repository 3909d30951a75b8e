import { beforeEach, describe, expect, it } from "vitest";
import { db } from "#db/database";
import * as dashboard from "~/routes/_app.dashboard";
import * as board from "~/routes/_app.gaps.mentoring";
import * as mentorsRoute from "~/routes/_app.gaps.mentors";
import * as mineRoute from "~/routes/_app.mentoring._index";
import * as mentorshipRoute from "~/routes/_app.mentoring.$mentorshipId";
import { buildGapData, type GapData } from "../gaps/gap-data";
import { createOrgWithAdmin } from "../support/factories";
import { buildRequest, call } from "../support/remix";

let data: GapData;

beforeEach(async () => {
  data = await buildGapData();
});

const mentorsPath = (menteeId: string, topicId: string) =>
  `/gaps/mentors?team=${data.teamT.id}&mentee=${menteeId}&topic=${topicId}`;

function proposalForm(overrides: Record<string, string> = {}) {
  return {
    mentorId: data.ann.membershipId,
    menteeId: data.ben.membershipId,
    topicId: data.topic.b1,
    goalLevel: "3",
    cadenceDays: "14",
    dueOn: "",
    ...overrides,
  };
}

describe("finding and proposing a mentor", () => {
  it("shows suggestions to the mentee's lead only", async () => {
    const path = mentorsPath(data.ben.membershipId, data.topic.b1);
    const lead = await call(mentorsRoute.loader, buildRequest(path, { cookie: data.lee.cookie }));
    expect(lead.status).toBe(200);
    const body = lead.data as Awaited<ReturnType<typeof mentorsRoute.loader>>;
    expect(body.suggestions.map((s) => s.displayName)).toEqual(["Ann"]);
    expect(body.defaults.goalLevel).toBe(4);

    const engineer = await call(
      mentorsRoute.loader,
      buildRequest(path, { cookie: data.ann.cookie }),
    );
    expect(engineer.status).toBe(403);
    const other = await createOrgWithAdmin();
    for (const [cookie, request] of [
      [data.lee.cookie, mentorsPath(data.dan.membershipId, data.topic.b1)],
      [data.lee.cookie, mentorsPath(data.ben.membershipId, "not-a-topic")],
      [other.admin.cookie, `/gaps/mentors?mentee=${data.ben.membershipId}&topic=${data.topic.b1}`],
    ] as const) {
      const res = await call(mentorsRoute.loader, buildRequest(request, { cookie }));
      expect(res.status, request).toBe(404);
    }
  });

  it("proposes from the form, then the gap leaves the board's unmentored list", async () => {
    const before = await call(
      board.loader,
      buildRequest(`/gaps/mentoring?team=${data.teamT.id}`, { cookie: data.lee.cookie }),
    );
    type Board = Awaited<ReturnType<typeof board.loader>>;
    const gapsBefore = (before.data as Board).gaps.map((g) => `${g.displayName}/${g.topicName}`);
    expect(gapsBefore).toEqual(["Ben/b1", "Cat/a2"]);

    const bad = await call(
      mentorsRoute.action,
      buildRequest(mentorsPath(data.ben.membershipId, data.topic.b1), {
        cookie: data.lee.cookie,
        form: proposalForm({ mentorId: data.ben.membershipId, cadenceDays: "0" }),
      }),
    );
    expect(bad.status).toBe(422);
    expect(bad.data).toMatchObject({
      fieldErrors: { cadenceDays: "Check in at least every 365 days and at most daily." },
    });

    const ok = await call(
      mentorsRoute.action,
      buildRequest(mentorsPath(data.ben.membershipId, data.topic.b1), {
        cookie: data.lee.cookie,
        form: proposalForm(),
      }),
    );
    expect(ok.status).toBe(302);
    expect(ok.headers.get("Location")).toBe(`/gaps/mentoring?team=${data.teamT.id}`);

    const after = (
      await call(
        board.loader,
        buildRequest(`/gaps/mentoring?team=${data.teamT.id}`, { cookie: data.lee.cookie }),
      )
    ).data as Board;
    expect(after.gaps.map((g) => `${g.displayName}/${g.topicName}`)).toEqual(["Cat/a2"]);
    expect(after.proposed.map((m) => [m.mentorName, m.menteeName, m.topicName])).toEqual([
      ["Ann", "Ben", "b1"],
    ]);
    expect(after.active.map((m) => m.topicName)).toEqual(["a1"]);
  });
});

describe("my mentoring and a mentorship's page", () => {
  it("the mentor accepts there and the mentee logs a check-in; outsiders get 404", async () => {
    await call(
      mentorsRoute.action,
      buildRequest(mentorsPath(data.ben.membershipId, data.topic.b1), {
        cookie: data.lee.cookie,
        form: proposalForm(),
      }),
    );
    type Mine = Awaited<ReturnType<typeof mineRoute.loader>>;
    const ann = (
      await call(mineRoute.loader, buildRequest("/mentoring", { cookie: data.ann.cookie }))
    ).data as Mine;
    expect(ann.toAnswer.map((m) => m.menteeName)).toEqual(["Ben"]);
    const id = ann.toAnswer[0]!.id;
    type Dashboard = Awaited<ReturnType<typeof dashboard.loader>>;
    const annDashboard = (
      await call(dashboard.loader, buildRequest("/dashboard", { cookie: data.ann.cookie }))
    ).data as Dashboard;
    expect(annDashboard.mentoring).toEqual({ toAnswer: 1, mentoring: 1, mentored: 0, overdue: 0 });

    const notMentor = await call(
      mineRoute.action,
      buildRequest("/mentoring", {
        cookie: data.ben.cookie,
        form: { mentorshipId: id, answer: "accept" },
      }),
    );
    expect(notMentor.status).toBe(403);
    const accepted = await call(
      mineRoute.action,
      buildRequest("/mentoring", {
        cookie: data.ann.cookie,
        form: { mentorshipId: id, answer: "accept" },
      }),
    );
    expect(accepted.data).toMatchObject({ ok: true });

    const path = `/mentoring/${id}`;
    const future = await call(
      mentorshipRoute.action,
      buildRequest(path, {
        cookie: data.ben.cookie,
        form: { intent: "checkin", occurredOn: "2999-01-01", notes: "", levelEstimate: "" },
      }),
      { mentorshipId: id },
    );
    expect(future.status).toBe(422);
    const today = new Date().toISOString().slice(0, 10);
    const logged = await call(
      mentorshipRoute.action,
      buildRequest(path, {
        cookie: data.ben.cookie,
        form: { intent: "checkin", occurredOn: today, notes: "<b>pairing</b>", levelEstimate: "2" },
      }),
      { mentorshipId: id },
    );
    expect(logged.data).toEqual({ ok: true, message: "Check-in logged." });
    const stored = await db
      .selectFrom("check_ins")
      .select(["notes", "level_estimate"])
      .where("mentorship_id", "=", id)
      .execute();
    expect(stored).toEqual([{ notes: "<b>pairing</b>", level_estimate: 2 }]);

    const other = await createOrgWithAdmin();
    for (const cookie of [data.dan.cookie, other.admin.cookie]) {
      const res = await call(mentorshipRoute.loader, buildRequest(path, { cookie }), {
        mentorshipId: id,
      });
      expect(res.status).toBe(404);
      const write = await call(
        mentorshipRoute.action,
        buildRequest(path, { cookie, form: { intent: "cancel" } }),
        { mentorshipId: id },
      );
      expect(write.status).toBe(404);
    }
  });
});
