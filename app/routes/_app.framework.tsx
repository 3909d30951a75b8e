import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireMember } from "~/modules/accounts/auth.server";
import { hasRole } from "~/modules/accounts/roles";
import { getCurrentCatalogue } from "~/modules/frameworks/catalogue.server";
import { PRIORITY_LABEL } from "~/modules/frameworks/priorities";

export const meta: MetaFunction = () => [{ title: "Framework · Gapmap" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request);
  return {
    catalogue: await getCurrentCatalogue(ctx.organization.id),
    isAdmin: hasRole(ctx.membership.role, "admin"),
  };
}

export default function Framework() {
  const { catalogue, isAdmin } = useLoaderData<typeof loader>();
  if (!catalogue) {
    return (
      <>
        <h1>Framework</h1>
        <p className="empty-state">This organisation has no skills framework yet.</p>
      </>
    );
  }
  const { framework, profiles, categories, levels } = catalogue;
  const topicCount = categories.reduce((n, c) => n + c.topics.filter((t) => !t.retired).length, 0);
  return (
    <>
      <div className="page-header">
        <div>
          <h1>{framework.name}</h1>
          <p>
            Version {framework.version} · {categories.length} categories · {topicCount} topics
          </p>
        </div>
        {isAdmin ? (
          <Link className="button" to={`/admin/frameworks/${framework.id}`}>
            Edit framework
          </Link>
        ) : null}
      </div>
      <section className="card" aria-labelledby="scale-heading">
        <h2 id="scale-heading">Proficiency scale</h2>
        <dl className="grid cols-3" style={{ margin: 0 }}>
          {levels.map((l) => (
            <div key={l.level}>
              <dt>
                <span className="level-chip">{l.level}</span> <strong>{l.label}</strong>
              </dt>
              <dd style={{ margin: 0 }} className="muted">
                {l.description}
              </dd>
            </div>
          ))}
        </dl>
      </section>
      {categories.map((category) => (
        <section
          className="card framework-category"
          key={category.id}
          aria-labelledby={`cat-${category.id}`}
        >
          <h2 id={`cat-${category.id}`}>
            {category.name}{" "}
            {category.kind === "role_expectations" ? (
              <span className="badge lead">Role expectations</span>
            ) : null}
          </h2>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Topic</th>
                  {profiles.map((p) => (
                    <th scope="col" key={p.id}>
                      {p.name}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {category.topics.map((topic) => (
                  <tr key={topic.id} className={topic.retired ? "inactive" : undefined}>
                    <td>
                      {topic.name}
                      {topic.retired ? <span className="badge"> retired</span> : null}
                      {topic.description ? <div className="muted">{topic.description}</div> : null}
                    </td>
                    {profiles.map((p) => {
                      const target = topic.targets[p.id];
                      return (
                        <td key={p.id}>
                          {target ? (
                            <>
                              <span className="level-chip">{target.level}</span>{" "}
                              {PRIORITY_LABEL[target.priority]}
                            </>
                          ) : (
                            "—"
                          )}
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ))}
    </>
  );
}
