import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { apiReference } from "~/modules/api/api-reference.server";

// /api/v1/docs: the API reference for people, rendered from the same OpenAPI document that
// /api/v1/openapi.json serves to machines.

export const meta: MetaFunction = () => [{ title: "API reference · Gapmap" }];

export function loader({ request }: LoaderFunctionArgs) {
  return apiReference(new URL(request.url).origin);
}

/** The reference's texts mark code with backticks, as Markdown does. */
function Prose({ text }: { text: string }) {
  return <>{text.split("`").map((part, i) => (i % 2 ? <code key={i}>{part}</code> : part))}</>;
}

function Schema({ value }: { value: unknown }) {
  return (
    <details>
      <summary>Schema</summary>
      <pre className="schema">{JSON.stringify(value, null, 2)}</pre>
    </details>
  );
}

export default function ApiDocs() {
  const { title, description, base, sections, problems } = useLoaderData<typeof loader>();
  return (
    <main className="docs-page">
      <h1>{title}</h1>
      <p>
        <Prose text={description} />
      </p>
      <p>
        Base URL: <code>{base}</code> · Machine-readable:{" "}
        <a href="/api/v1/openapi.json">OpenAPI 3.1 document</a>
      </p>
      <nav aria-label="Resources">
        <ul className="inline-list">
          {sections.map((s) => (
            <li key={s.tag}>
              <a href={`#${s.tag.toLowerCase()}`}>{s.tag}</a>
            </li>
          ))}
          <li>
            <a href="#errors">Errors</a>
          </li>
        </ul>
      </nav>
      {sections.map((section) => (
        <section
          key={section.tag}
          id={section.tag.toLowerCase()}
          aria-labelledby={`${section.tag}-heading`}
        >
          <h2 id={`${section.tag}-heading`}>{section.tag}</h2>
          {section.operations.map((op) => (
            <article key={op.operationId} id={op.operationId} className="card">
              <h3>
                <code>
                  {op.method} {op.path}
                </code>{" "}
                — {op.summary}
              </h3>
              {op.description ? (
                <p>
                  <Prose text={op.description} />
                </p>
              ) : null}
              <p>
                Token scope: <strong>{op.scope === "read_write" ? "read-write" : "read"}</strong> ·
                Success: <code>{op.successStatus}</code> {op.successMediaType}
              </p>
              {op.parameters.length ? (
                <div className="table-wrap">
                  <table>
                    <caption className="visually-hidden">Parameters of {op.operationId}</caption>
                    <thead>
                      <tr>
                        <th scope="col">Parameter</th>
                        <th scope="col">In</th>
                        <th scope="col">Required</th>
                        <th scope="col">Type</th>
                        <th scope="col">About</th>
                      </tr>
                    </thead>
                    <tbody>
                      {op.parameters.map((p) => (
                        <tr key={`${p.in}-${p.name}`}>
                          <td>
                            <code>{p.name}</code>
                          </td>
                          <td>{p.in}</td>
                          <td>{p.required ? "yes" : "no"}</td>
                          <td>
                            <code>{p.type}</code>
                          </td>
                          <td>
                            <Prose text={p.description} />
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              ) : null}
              {op.requestSchema ? (
                <>
                  <h4>Request body (JSON)</h4>
                  <Schema value={op.requestSchema} />
                </>
              ) : null}
              {op.responseSchema ? (
                <>
                  <h4>Response body</h4>
                  <Schema value={op.responseSchema} />
                </>
              ) : null}
            </article>
          ))}
        </section>
      ))}
      <section id="errors" aria-labelledby="errors-heading">
        <h2 id="errors-heading">Errors</h2>
        <p>
          Every error is <code>application/problem+json</code>: <code>type</code>,{" "}
          <code>title</code>, <code>status</code>, <code>detail</code>, and for invalid input{" "}
          <code>errors</code>, one message per field path.
        </p>
        <dl>
          {problems.map((p) => (
            <div key={p.kind} id={`problem-${p.kind}`}>
              <dt>
                <code>{p.status}</code> {p.title}
              </dt>
              <dd>
                <Prose text={p.meaning} />
              </dd>
            </div>
          ))}
        </dl>
      </section>
    </main>
  );
}
