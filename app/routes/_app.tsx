import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, NavLink, Outlet, useLoaderData, useSubmit } from "@remix-run/react";
import { requireMember } from "~/modules/accounts/auth.server";
import { hasRole } from "~/modules/accounts/roles";
import { listUserOrganizations } from "~/modules/accounts/organizations.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request);
  const organizations = (await listUserOrganizations(ctx.user.id)).filter((o) => o.active);
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
}

export default function AppShell() {
  const { user, organization, role, organizations } = useLoaderData<typeof loader>();
  const submit = useSubmit();
  const main: NavItem[] = [
    { to: "/dashboard", label: "Dashboard" },
    { to: "/assessment", label: "Self-assessment" },
    { to: "/profile", label: "My profile" },
    { to: "/framework", label: "Framework" },
    { to: "/mentoring", label: "Mentoring" },
    { to: "/messages", label: "Messages" },
    ...(hasRole(role, "lead") ? [{ to: "/gaps", label: "Team gaps" }] : []),
    { to: "/reports", label: "Reports" },
  ];
  const admin: NavItem[] = hasRole(role, "admin")
    ? [
        { to: "/admin/members", label: "Members" },
        { to: "/admin/teams", label: "Teams" },
        { to: "/admin/frameworks", label: "Frameworks" },
        { to: "/admin/cycles", label: "Cycles" },
        { to: "/admin/outbox", label: "Outbox" },
        { to: "/admin/queues", label: "Queues" },
        { to: "/admin/api-tokens", label: "API tokens" },
        { to: "/admin/audit", label: "Audit log" },
        { to: "/admin/settings", label: "Settings" },
      ]
    : [];
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <aside className="sidebar">
        <a className="brand" href="/dashboard">
          Gapmap
        </a>
        <nav aria-label="Main">
          <ul>
            {main.map((item) => (
              <li key={item.to}>
                <NavLink to={item.to}>{item.label}</NavLink>
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
      </aside>
      <main className="main" id="main">
        <Outlet />
      </main>
    </div>
  );
}
