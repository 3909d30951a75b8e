import { beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { UNSTORABLE_TEXT_MESSAGE } from "~/lib/storable-text";
import * as assessment from "~/routes/_app.assessment";
import * as teams from "~/routes/_app.admin.teams._index";
import * as signup from "~/routes/signup";
import { buildGapData, type GapData } from "../gaps/gap-data";
import { api, apiToken } from "../support/api-client";
import { uniqueEmail } from "../support/factories";
import { buildRequest, call, testContext } from "../support/remix";

// PostgreSQL refuses U+0000 in text: a NUL typed (or pasted, or sent) into any field gets a
// message beside that field, never a 500, and nothing is written.

type Failure = { fieldErrors: Record<string, string> };

let g: GapData;

beforeAll(async () => {
  g = await buildGapData();
});

describe("a NUL byte in a form field", () => {
  it("on sign-up: the name field says so, and no account is made", async () => {
    const email = uniqueEmail("nul");
    const result = await call<Failure>(
      signup.action,
      buildRequest("/signup", {
        form: {
          displayName: "a\u0000b",
          email,
          password: "a long enough password",
          organizationName: "Nul Ltd",
        },
      }),
      {},
      testContext("203.0.113.120"),
    );
    expect(result.status).toBe(422);
    expect(result.data.fieldErrors).toEqual({ displayName: UNSTORABLE_TEXT_MESSAGE });
    expect(
      await db.selectFrom("users").select("id").where("email", "=", email).execute(),
    ).toHaveLength(0);
  });

  it("in a self-assessment note: the note says so, and no rating is written", async () => {
    const ratings = () =>
      db.selectFrom("ratings").select("id").where("member_id", "=", g.cat.membershipId).execute();
    const before = (await ratings()).length;
    const result = await call<Failure>(
      assessment.action,
      buildRequest("/assessment", {
        cookie: g.cat.cookie,
        form: {
          [`level.${g.topic.b1}`]: "2",
          [`base.${g.topic.b1}`]: "",
          [`note.${g.topic.b1}`]: "x\u0000y",
          [`evidence.${g.topic.b1}`]: "",
          intent: "save",
        },
      }),
    );
    expect(result.status).toBe(422);
    expect(result.data.fieldErrors).toEqual({ [`note.${g.topic.b1}`]: UNSTORABLE_TEXT_MESSAGE });
    expect(await ratings()).toHaveLength(before);
  });

  it("in a team name: the name field says so", async () => {
    const result = await call<Failure>(
      teams.action,
      buildRequest("/admin/teams", { cookie: g.admin.cookie, form: { name: "Platform\u0000" } }),
    );
    expect(result.status).toBe(422);
    expect(result.data.fieldErrors).toEqual({ name: UNSTORABLE_TEXT_MESSAGE });
  });
});

describe("a NUL byte in the API", () => {
  it("in a body field: 422 naming the field's path", async () => {
    const { secret } = await apiToken(g.organizationId, g.admin.id);
    const response = await api(secret, "POST", "/ratings/self", {
      json: {
        memberId: g.cat.membershipId,
        ratings: [
          { topicId: g.topic.b1, level: 2, note: "x\u0000y", evidence: [], baseRatingId: null },
        ],
      },
    });
    expect(response.status).toBe(422);
    expect(response.headers.get("Content-Type")).toBe("application/problem+json");
    expect(response.body.errors).toEqual({ "ratings.0.note": UNSTORABLE_TEXT_MESSAGE });
  });

  it("in a query parameter: 400 naming the parameter", async () => {
    const { secret } = await apiToken(g.organizationId, g.admin.id);
    const response = await api(
      secret,
      "GET",
      `/members?${new URLSearchParams({ cursor: "a\u0000" })}`,
    );
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual({ cursor: UNSTORABLE_TEXT_MESSAGE });
  });
});
