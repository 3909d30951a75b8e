import { existsSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { actionForms, tenantParams, tenantSearch } from "../support/action-forms";
import { buildRequest, call, testContext } from "../support/remix";
import { appRoutes, fillPattern, type AppRoute } from "../support/route-manifest";
import { buildTenant, tenantDigest, type Tenant } from "../support/tenant-fixture";

// Every route of the build × every kind of visitor, and another organisation's people on
// this organisation's objects. Routes come from Remix's manifest: a new route fails the
// first test until its row is added to ACCESS below, i.e. until someone decides who may
// use it.

const ROLES = ["anonymous", "deactivated", "engineer", "leadOwn", "leadOther", "admin"] as const;
type Role = (typeof ROLES)[number];

/** "ok": let in (the page, or the form's own answer, even a validation error); "login":
 * sent to log in; "orgs": sent to choose an organisation (access removed); 403/404: refused. */
type Outcome = "ok" | "login" | "orgs" | 403 | 404;
type Row = readonly [Outcome, Outcome, Outcome, Outcome, Outcome, Outcome];

// The engineer is Ben (Team T, mentee of the fixture's mentorship); leadOwn leads Team T,
// leadOther leads Team U. Ids in the URL are the organisation's own: Ben, Team T, the
// Team T report, the default framework, its Senior profile and topic a1.
//
//                    anonymous deactivated engineer leadOwn leadOther admin
const PUBLIC: Row = ["ok", "ok", "ok", "ok", "ok", "ok"];
const SIGNED_IN: Row = ["login", "ok", "ok", "ok", "ok", "ok"];
const MEMBER: Row = ["login", "orgs", "ok", "ok", "ok", "ok"];
const LEAD: Row = ["login", "orgs", 403, "ok", "ok", "ok"];
const LEAD_OF_MEMBER: Row = ["login", "orgs", 403, "ok", 404, "ok"];
const ADMIN: Row = ["login", "orgs", 403, 403, 403, "ok"];

const ACCESS: Record<string, { loader?: Row; action?: Row }> = {
  _index: { loader: PUBLIC },
  // Any address no other route matches: 404 for everyone.
  $: { loader: [404, 404, 404, 404, 404, 404] },
  login: { loader: PUBLIC, action: PUBLIC },
  signup: { loader: PUBLIC, action: PUBLIC },
  "forgot-password": { action: PUBLIC },
  "reset-password.$token": { loader: PUBLIC, action: PUBLIC },
  "invite.$token": { loader: PUBLIC, action: PUBLIC },
  // "Continue with SSO": the email's domain picks the provider; a signed-in visitor goes to the dashboard.
  sso: { loader: PUBLIC, action: PUBLIC },
  // The provider's redirect back: without the state cookie this browser got when it set off, refused.
  "sso.callback": { loader: [403, 403, 403, 403, 403, 403] },
  "mute.$token": { loader: PUBLIC, action: PUBLIC },
  // A calendar feed opens by its token alone (calendar apps send no cookie): the fixture's
  // token is not a feed's, so 404 for everyone.
  "feeds.$token[.ics]": { loader: [404, 404, 404, 404, 404, 404] },
  healthz: { loader: PUBLIC },
  readyz: { loader: PUBLIC },
  // Logging out ends the session if there is one, and always lands on the login page.
  logout: { loader: PUBLIC, action: ["login", "login", "login", "login", "login", "login"] },
  "orgs._index": { loader: SIGNED_IN, action: SIGNED_IN },
  // The switcher is a form on the organisation picker; a GET goes to the picker.
  "orgs.switch": { loader: ["orgs", "orgs", "orgs", "orgs", "orgs", "orgs"], action: SIGNED_IN },

  _app: { loader: MEMBER },
  "_app.dashboard": { loader: MEMBER },
  "_app.profile": { loader: MEMBER },
  "_app.framework": { loader: MEMBER },
  "_app.assessment": { loader: MEMBER, action: MEMBER },
  "_app.messages": { loader: MEMBER, action: MEMBER },
  "_app.calendar": { loader: MEMBER, action: MEMBER },
  "_app.mentoring._index": { loader: MEMBER, action: MEMBER },
  //                                 anonymous deactivated engineer leadOwn leadOther admin
  "_app.mentoring.$mentorshipId": { loader: ["login", "orgs", "ok", "ok", 404, "ok"], action: MEMBER },
  "_app.reports._index": { loader: MEMBER, action: LEAD },
  // A team's report is for its leads; engineers read the organisation's, as figures only.
  "_app.reports.$reportId": { loader: ["login", "orgs", 404, "ok", 404, "ok"] },
  "_app.reports.$reportId_.members.$memberId": { loader: ["login", "orgs", "ok", "ok", 404, "ok"] },
  "reports.$reportId[.csv]": { loader: LEAD_OF_MEMBER },

  "_app.growth._index": { loader: MEMBER, action: MEMBER },
  //                                   anonymous deactivated engineer leadOwn leadOther admin
  "_app.growth.members.$memberId": { loader: ["login", "orgs", "ok", "ok", 404, "ok"], action: ["login", "orgs", "ok", "ok", 404, "ok"] },
  "_app.growth.team": { loader: LEAD },

  "_app.gaps": { loader: LEAD },
  "_app.gaps._index": { loader: LEAD },
  "_app.gaps.coverage": { loader: LEAD },
  "_app.gaps.heatmap": { loader: LEAD },
  "_app.gaps.mentoring": { loader: LEAD },
  "_app.gaps.mentors": { loader: LEAD_OF_MEMBER, action: LEAD },
  // The calibration resolve form names its member in the body: leads of other teams get 404
  // for it (the reach test below); an empty post is a validation error for any lead.
  "_app.gaps.review": { loader: LEAD, action: LEAD },
  "_app.gaps.topics.$topicId": { loader: LEAD },
  "_app.gaps_.members.$memberId": { loader: LEAD_OF_MEMBER },
  "_app.gaps_.members.$memberId_.validate": { loader: LEAD_OF_MEMBER, action: LEAD_OF_MEMBER },
  "gaps[.csv]": { loader: LEAD },

  "_app.admin.api-tokens": { loader: ADMIN, action: ADMIN },
  "_app.admin.audit": { loader: ADMIN },
  "_app.admin.cycles._index": { loader: ADMIN, action: ADMIN },
  "_app.admin.frameworks._index": { loader: ADMIN, action: ADMIN },
  "_app.admin.frameworks.import": { loader: ADMIN, action: ADMIN },
  "_app.admin.frameworks.$frameworkId": { loader: ADMIN, action: ADMIN },
  "_app.admin.frameworks.$frameworkId_.profiles.$profileId": { loader: ADMIN, action: ADMIN },
  "_app.admin.frameworks.$frameworkId_.topics.$topicId": { loader: ADMIN, action: ADMIN },
  "admin.frameworks.$frameworkId[.csv]": { loader: ADMIN },
  "_app.admin.members._index": { loader: ADMIN, action: ADMIN },
  "_app.admin.members.$memberId": { loader: ADMIN, action: ADMIN },
  "_app.admin.members.bulk": { loader: ADMIN, action: ADMIN },
  "_app.admin.organisation-data": { loader: ADMIN, action: ADMIN },
  "admin.organisation-data.$exportId[.tar.gz]": { loader: ADMIN },
  "_app.admin.outbox": { loader: ADMIN, action: ADMIN },
  "_app.admin.emails": { loader: ADMIN },
  "_app.admin.queues": { loader: ADMIN, action: ADMIN },
  "_app.admin.settings": { loader: ADMIN, action: ADMIN },
  "_app.admin.sso": { loader: ADMIN, action: ADMIN },
  "_app.admin.teams._index": { loader: ADMIN, action: ADMIN },
  "_app.admin.teams.$teamId": { loader: ADMIN, action: ADMIN },
  "_app.admin.teams.$teamId_.channels": { loader: ADMIN, action: ADMIN },
};

/** API: covered by tests/api. The REST API authenticates with bearer tokens, not sessions,
 * and its own tests check each endpoint's access and tenant isolation. */
const isApiRoute = (id: string) => id.startsWith("api.v1");

function outcomeOf(result: { status: number; headers: Headers }): Outcome | number {
  const location = result.headers.get("Location") ?? "";
  if (result.status >= 300 && result.status < 400) {
    if (location.startsWith("/login")) return "login";
    if (location === "/orgs") return "orgs";
    return "ok";
  }
  if (result.status === 403 || result.status === 404 || result.status >= 500) return result.status as Outcome;
  return "ok";
}

async function callRoute(
  route: AppRoute,
  kind: "loader" | "action",
  t: Tenant,
  cookie: string | null,
  form: Record<string, string> = {},
) {
  const { url, params } = fillPattern(route.pattern, tenantParams(t, route.id));
  const path = url + tenantSearch(t, route.id);
  const request = buildRequest(path, kind === "action" ? { form, cookie } : { cookie });
  try {
    return await call(route[kind] as never, request, params, testContext());
  } catch (error) {
    // An exception escaping a route is what the user sees as a 500.
    return { status: 500, headers: new Headers(), data: String(error) };
  }
}

const bodyText = (data: unknown) => (typeof data === "string" ? data : JSON.stringify(data) ?? "");

let routes: AppRoute[];
let a: Tenant;
let b: Tenant;

beforeAll(async () => {
  routes = await appRoutes();
  a = await buildTenant();
  b = await buildTenant();
});

describe("route access", () => {
  it("has a decided row for every route in the build, and no row for a route that is gone", () => {
    const ids = routes.map((r) => r.id).filter((id) => !isApiRoute(id));
    if (routes.some((r) => isApiRoute(r.id))) expect(existsSync("tests/api/access.test.ts"), "the API's access tests").toBe(true);
    expect(ids.filter((id) => !(id in ACCESS)), "routes without an ACCESS row").toEqual([]);
    expect(Object.keys(ACCESS).filter((id) => !ids.includes(id)), "ACCESS rows without a route").toEqual([]);
    for (const route of routes.filter((r) => !isApiRoute(r.id))) {
      expect(Boolean(ACCESS[route.id]!.loader), `${route.id} loader`).toBe(Boolean(route.loader));
      expect(Boolean(ACCESS[route.id]!.action), `${route.id} action`).toBe(Boolean(route.action));
    }
  });

  it("lets in or refuses each kind of visitor on every route as the table says", async () => {
    const seen: string[] = [];
    const expected: string[] = [];
    for (const route of routes.filter((r) => !isApiRoute(r.id))) {
      for (const kind of ["loader", "action"] as const) {
        const row = ACCESS[route.id]?.[kind];
        if (!route[kind] || !row) continue;
        const outcomes: (Outcome | number)[] = [];
        for (const role of ROLES) {
          const cookie = role === "anonymous" ? null : await a.session(role as Exclude<Role, "anonymous">);
          outcomes.push(outcomeOf(await callRoute(route, kind, a, cookie)));
        }
        seen.push(`${route.id} ${kind}: ${JSON.stringify(outcomes)}`);
        expected.push(`${route.id} ${kind}: ${JSON.stringify(row)}`);
      }
    }
    expect(seen).toEqual(expected);
  });
});

describe("reach inside the organisation", () => {
  it("a lead of another team, or an engineer outside the mentorship, cannot use the forms on objects out of reach", async () => {
    const before = await tenantDigest(a.organizationId);
    const forms = actionForms(a);
    const accepted: string[] = [];
    let tried = 0;
    for (const route of routes.filter((r) => r.action && forms[r.id])) {
      for (const form of forms[route.id]!) {
        // Team T's lead's forms are all about Team T; the engineer's mentorship forms about Ben's mentorship.
        const outsider = form.as === "leadOwn" ? "leadOther" : form.as === "engineer" && route.id.startsWith("_app.mentoring") ? "bystander" : null;
        if (!outsider) continue;
        tried += 1;
        const result = await callRoute(route, "action", a, await a.session(outsider), form.fields);
        if (result.status < 400) accepted.push(`${route.id} ${form.name} as ${outsider}: ${result.status}`);
      }
    }
    expect(accepted).toEqual([]);
    expect(tried).toBeGreaterThan(10);
    expect(await tenantDigest(a.organizationId)).toBe(before);
  });
});

describe("tenant isolation", () => {
  // What the visitor typed may come back to them (the email on the reset-request page).
  const leaks = (text: string, typed: string[] = []) =>
    [a.mark, ...a.emails].filter((s) => text.includes(s) && !typed.includes(s));
  // A token link (invitation, mute) names its organisation to whoever holds the token: the
  // token is the credential, so those pages are out of this check.
  const byToken = (route: AppRoute) => route.pattern.includes(":token");

  it("shows another organisation's people none of this organisation's data on any page, and 404 for its objects", async () => {
    const problems: string[] = [];
    for (const route of routes.filter((r) => r.loader && !isApiRoute(r.id) && !byToken(r))) {
      const namesObject = route.pattern.includes(":") || tenantSearch(a, route.id) !== "";
      for (const role of ["admin", "leadOwn", "engineer"] as const) {
        const result = await callRoute(route, "loader", a, await b.session(role));
        const outcome = outcomeOf(result);
        const leaked = leaks(bodyText(result.data));
        if (leaked.length) problems.push(`${route.id} as B's ${role}: shows ${leaked.join(", ")}`);
        if (typeof outcome === "number" && outcome >= 500) problems.push(`${route.id} as B's ${role}: ${outcome}`);
        // B's admin passes every role check, so only the organisation check stands between
        // them and A's object; B's lead and engineer may be stopped earlier by their role.
        if (namesObject && role === "admin" && outcome !== 404) problems.push(`${route.id} as B's admin: ${outcome}, not 404`);
        if (namesObject && role !== "admin" && outcome !== 404 && outcome !== 403)
          problems.push(`${route.id} as B's ${role}: ${outcome}, not 403/404`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("refuses every form that names another organisation's object, and changes none of its data", async () => {
    const before = await tenantDigest(a.organizationId);
    const forms = actionForms(a);
    const problems: string[] = [];
    for (const route of routes.filter((r) => r.action && !isApiRoute(r.id) && !byToken(r))) {
      const { params } = fillPattern(route.pattern, tenantParams(a, route.id));
      for (const form of forms[route.id] ?? []) {
        const aIds = new Set(Object.values(params).concat(Object.values(form.fields)));
        const namesObject = [a.organizationId, a.frameworkId, a.senior, a.topic.a1, a.topic.a2, a.categoryId, a.ben.membershipId, a.cat.membershipId,
            a.dan.membershipId, a.ann.membershipId, a.teamT.id, a.mentorshipId, a.teamReportId, a.plannedCycleId, a.cycleId,
            a.targetId, a.invitationId, a.notificationId, a.channelId, a.channelDeliveryId].some((id) => aIds.has(id));
        for (const role of ["admin", "leadOwn", "engineer"] as const) {
          const result = await callRoute(route, "action", a, await b.session(role), form.fields);
          const outcome = outcomeOf(result);
          const leaked = leaks(bodyText(result.data), Object.values(form.fields));
          const label = `${route.id} ${form.name} as B's ${role}`;
          if (leaked.length) problems.push(`${label}: shows ${leaked.join(", ")}`);
          if (typeof outcome === "number" && outcome >= 500) problems.push(`${label}: ${outcome} ${bodyText(result.data).slice(0, 200)}`);
          if (namesObject && result.status < 400)
            problems.push(`${label}: accepted (${result.status})`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(await tenantDigest(a.organizationId)).toBe(before);
  });
});
