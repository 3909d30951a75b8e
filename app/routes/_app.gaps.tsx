import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, NavLink, Outlet, useLoaderData, useLocation, useSubmit } from "@remix-run/react";
import { loadOrRespond } from "~/lib/errors.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { PRIORITIES, PRIORITY_LABEL } from "~/modules/frameworks/priorities";
import { filtersQuery, resolveGapScope } from "~/modules/gaps/gap-scope.server";

export const meta: MetaFunction = () => [{ title: "Team gaps · Gapmap" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "lead");
  const { filters, options } = await loadOrRespond(() =>
    resolveGapScope(ctx, new URL(request.url).searchParams),
  );
  return { filters, options, query: filtersQuery(filters) };
}

const TABS = [
  { to: "/gaps", label: "Overview", end: true },
  { to: "/gaps/heatmap", label: "Heatmap", end: false },
  { to: "/gaps/coverage", label: "Coverage", end: false },
  { to: "/gaps/review", label: "Validation & calibration", end: false },
  { to: "/gaps/mentoring", label: "Mentoring", end: false },
];

export default function GapsLayout() {
  const { filters, options, query } = useLoaderData<typeof loader>();
  const location = useLocation();
  const submit = useSubmit();
  // Topic pages keep their path; the tabs keep the filters.
  const action = location.pathname;
  const yardstick = options.profiles.find((p) => p.id === filters.compare)?.name;
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Team gaps</h1>
          <p>Where your people stand against the targets you hold them to.</p>
        </div>
        <a className="button secondary" href={`/gaps.csv${query}`} download>
          Export CSV
        </a>
      </div>
      <Form
        method="get"
        action={action}
        className="filter-bar"
        aria-label="Filters"
        onChange={(event) => submit(event.currentTarget, { replace: true })}
      >
        <div className="filter">
          <label htmlFor="filter-team">Team</label>
          <select
            id="filter-team"
            name="team"
            defaultValue={filters.team}
            key={`team-${filters.team}`}
          >
            {options.canViewOrganization ? <option value="all">Whole organisation</option> : null}
            {options.teams.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </div>
        <div className="filter">
          <label htmlFor="filter-category">Category</label>
          <select
            id="filter-category"
            name="category"
            defaultValue={filters.category ?? ""}
            key={`category-${filters.category}`}
          >
            <option value="">All categories</option>
            {options.categories.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <div className="filter">
          <label htmlFor="filter-priority">Priority</label>
          <select
            id="filter-priority"
            name="priority"
            defaultValue={filters.priority ?? ""}
            key={`priority-${filters.priority}`}
          >
            <option value="">All priorities</option>
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {PRIORITY_LABEL[p]}
              </option>
            ))}
          </select>
        </div>
        <div className="filter">
          <label htmlFor="filter-profile">People on profile</label>
          <select
            id="filter-profile"
            name="profile"
            defaultValue={filters.profile ?? ""}
            key={`profile-${filters.profile}`}
          >
            <option value="">All profiles</option>
            {options.profiles.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
        <div className="filter">
          <label htmlFor="filter-compare">Compare against</label>
          <select
            id="filter-compare"
            name="compare"
            defaultValue={filters.compare ?? ""}
            key={`compare-${filters.compare}`}
          >
            <option value="">Each person&apos;s own profile</option>
            {options.profiles.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
        <noscript>
          <button type="submit" className="button">
            Apply
          </button>
        </noscript>
      </Form>
      <p className="yardstick" role="status">
        {yardstick
          ? `Yardstick: ${yardstick}. Everyone in view is measured against ${yardstick}'s targets, whatever their own profile.`
          : "Yardstick: each person's own target profile."}
      </p>
      <nav className="tabs" aria-label="Gap views">
        {TABS.map((tab) => (
          <NavLink key={tab.to} to={`${tab.to}${query}`} end={tab.end}>
            {tab.label}
          </NavLink>
        ))}
      </nav>
      <Outlet />
    </>
  );
}
