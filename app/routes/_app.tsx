import type { LoaderFunctionArgs } from "@remix-run/node";
import {
  Form,
  NavLink,
  Outlet,
  useLoaderData,
  useLocation,
  useRouteLoaderData,
  useSubmit,
} from "@remix-run/react";
import { FormSuccess } from "~/components/forms";
import type { loader as rootLoader } from "~/root";
import { useEffect, useState } from "react";
import { useHydrated } from "~/lib/use-hydrated";
import { requireMember } from "~/modules/accounts/auth.server";
import { hasRole } from "~/modules/accounts/roles";
import { listUserOrganizations } from "~/modules/accounts/organizations.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request);
  const organizations = (await listUserOrganizations(ctx.user.id)).filter(
    (o) => o.active && !o.closed_at,
  );
  return {
    user: ctx.user,
    organization: ctx.organization,
    role: ctx.membership.role,
    organizations: organizations.map((o) => ({ id: o.id, name: o.name })),
  };
}

interface NavItem {
  to: string;
  label: string;
  /** Active on this exact path only (its sub-pages are another item's). */
  end?: boolean;
}

export default function AppShell() {
  const { user, organization, role, organizations } = useLoaderData<typeof loader>();
  const flash = useRouteLoaderData<typeof rootLoader>("root")?.flash;
  const submit = useSubmit();
  // On a phone the navigation folds behind a Menu button (CSS shows the button below 800 px);
  // it stays open until the page has hydrated, so it works before the script has run.
  const hydrated = useHydrated();
  const [menuOpen, setMenuOpen] = useState(false);
  const { pathname } = useLocation();
  useEffect(() => setMenuOpen(false), [pathname]);
  const main: NavItem[] = [
    { to: "/dashboard", label: "Dashboard" },
    { to: "/assessment", label: "Self-assessment" },
    { to: "/profile", label: "My profile" },
    { to: "/growth", label: "Next level", end: true },
    { to: "/framework", label: "Framework" },
    { to: "/mentoring", label: "Mentoring" },
    { to: "/messages", label: "Messages" },
    { to: "/calendar", label: "Calendar" },
    ...(hasRole(role, "lead")
      ? [
          { to: "/gaps", label: "Team gaps" },
          { to: "/growth/team", label: "Team readiness" },
        ]
      : []),
    { to: "/reports", label: "Reports" },
  ];
  const admin: NavItem[] = hasRole(role, "admin")
    ? [
        { to: "/admin/members", label: "Members" },
        { to: "/admin/teams", label: "Teams" },
        { to: "/admin/frameworks", label: "Frameworks" },
        { to: "/admin/cycles", label: "Cycles" },
        { to: "/admin/outbox", label: "Outbox" },
        { to: "/admin/emails", label: "Message previews" },
        { to: "/admin/queues", label: "Queues" },
        { to: "/admin/api-tokens", label: "API tokens" },
        { to: "/admin/sso", label: "Single sign-on" },
        { to: "/admin/audit", label: "Audit log" },
        { to: "/admin/organisation-data", label: "Organisation data" },
        { to: "/admin/settings", label: "Settings" },
      ]
    : [];
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <aside className={`sidebar${hydrated ? " collapsible" : ""}${menuOpen ? " open" : ""}`}>
        <div className="sidebar-top">
          <a className="brand" href="/dashboard">
            Gapmap
          </a>
          {hydrated ? (
            <button
              type="button"
              className="menu-toggle secondary small"
              aria-expanded={menuOpen}
              aria-controls="sidebar-body"
              onClick={() => setMenuOpen((open) => !open)}
            >
              Menu
            </button>
          ) : null}
        </div>
        <div className="sidebar-body" id="sidebar-body">
          <nav aria-label="Main">
            <ul>
              {main.map((item) => (
                <li key={item.to}>
                  <NavLink to={item.to} end={item.end}>
                    {item.label}
                  </NavLink>
                </li>
              ))}
            </ul>
            {admin.length ? (
              <>
                <div className="nav-heading" id="admin-nav">
                  Admin
                </div>
                <ul aria-labelledby="admin-nav">
                  {admin.map((item) => (
                    <li key={item.to}>
                      <NavLink to={item.to}>{item.label}</NavLink>
                    </li>
                  ))}
                </ul>
              </>
            ) : null}
          </nav>
          <div className="account">
            <div>
              <strong>{user.displayName}</strong>
              <div className="muted" style={{ color: "#9ca3af" }}>
                {role} · {organization.name}
              </div>
            </div>
            {organizations.length > 1 ? (
              <Form method="post" action="/orgs/switch">
                <label htmlFor="org-switch" className="visually-hidden">
                  Switch organisation
                </label>
                <select
                  id="org-switch"
                  name="organizationId"
                  defaultValue={organization.id}
                  onChange={(e) => submit(e.currentTarget.form)}
                >
                  {organizations.map((o) => (
                    <option key={o.id} value={o.id}>
                      {o.name}
                    </option>
                  ))}
                </select>
                <noscript>
                  <button type="submit">Switch</button>
                </noscript>
              </Form>
            ) : null}
            <a href="/orgs" style={{ color: "#bfdbfe" }}>
              All organisations
            </a>
            <Form method="post" action="/logout">
              <button type="submit" className="small">
                Log out
              </button>
            </Form>
          </div>
        </div>
      </aside>
      <main className="main" id="main">
        <FormSuccess message={flash} />
        <Outlet />
      </main>
    </div>
  );
}
