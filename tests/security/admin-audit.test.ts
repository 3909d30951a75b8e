import { beforeAll, describe, expect, it } from "vitest";
import { db } from "#db/database";
import { actionForms, tenantParams } from "../support/action-forms";
import { buildRequest, call, testContext } from "../support/remix";
import { appRoutes, fillPattern, type AppRoute } from "../support/route-manifest";
import { buildTenant, type Tenant } from "../support/tenant-fixture";

// Every admin form that changes something leaves an audit entry naming the admin. The forms
// come from the catalogue every security test uses, so a new admin form is checked too.

/** Admin forms that change nothing in this fixture, and why (the rest must succeed). Opening
 * and closing cycles and retrying jobs are audited in tests/assessments/cycles.test.ts and
 * tests/notifications/queue-dashboard.test.ts. */
const REFUSED_HERE: Record<string, string> = {
  "_app.admin.cycles._index open": "a cycle is already open",
  "_app.admin.cycles._index close": "the planned cycle is not open",
  "_app.admin.queues retry": "there is no failed job 1",
  "_app.admin.api-tokens revoke": "no token has that id",
  "_app.admin.frameworks.import preview": "a preview saves nothing",
  "_app.admin.members.bulk preview": "a preview saves nothing",
  "_app.admin.sso save": "saving asks the issuer for its discovery document; none answers here",
  "_app.admin.sso remove": "single sign-on is not set up, so there is nothing to remove",
  "_app.admin.teams.$teamId_.channels test": "nothing listens at the fixture's webhook, so the test message is refused",
  "_app.admin.organisation-data close":
    "the typed name is not the organisation's (closing is audited in tests/organisation-data/deletion.test.ts)",
  "_app.admin.members.$memberId erase":
    "the typed name is not the member's (erasure is audited in tests/organisation-data/deletion.test.ts)",
  "orgs._index cancel-deletion": "the organisation is not closed",
};

let routes: AppRoute[];
let t: Tenant;

beforeAll(async () => {
  [routes, t] = await Promise.all([appRoutes(), buildTenant()]);
});

const auditCount = async () =>
  Number(
    (
      await db
        .selectFrom("audit_log")
        .select((eb) => eb.fn.countAll().as("n"))
        .where("organization_id", "=", t.organizationId)
        .where("actor_user_id", "=", t.admin.id)
        .executeTakeFirstOrThrow()
    ).n,
  );

describe("the audit log", () => {
  it("records every admin action", async () => {
    const forms = actionForms(t);
    const outcomes: string[] = [];
    for (const route of routes.filter(
      (r) => r.action && forms[r.id]?.some((f) => f.as === "admin"),
    )) {
      const { url, params } = fillPattern(route.pattern, tenantParams(t, route.id));
      for (const form of forms[route.id]!.filter((f) => f.as === "admin")) {
        const before = await auditCount();
        const result = await call(
          route.action as never,
          buildRequest(url, { form: form.fields, cookie: await t.session("admin") }),
          params,
          testContext(),
        );
        const audited = (await auditCount()) - before;
        const key = `${route.id} ${form.name}`;
        const changed = result.status < 400 && !(key in REFUSED_HERE);
        outcomes.push(
          `${key}: ${changed ? (audited > 0 ? "audited" : "NOT AUDITED") : result.status < 400 ? "no change" : "refused"}`,
        );
      }
    }
    expect(outcomes.filter((o) => o.endsWith("NOT AUDITED"))).toEqual([]);
    // Everything not listed as refused here really went through (so was really checked).
    expect(
      outcomes
        .filter((o) => !o.endsWith("audited"))
        .map((o) => o.split(":")[0])
        .sort(),
    ).toEqual(Object.keys(REFUSED_HERE).sort());
  });
});
