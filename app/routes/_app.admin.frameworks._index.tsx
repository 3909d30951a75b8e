import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { FormError, failureOf } from "~/components/forms";
import { handleFormErrors } from "~/lib/errors.server";
import { parseForm } from "~/lib/forms.server";
import { clientIp } from "~/lib/request.server";
import { requireMember } from "~/modules/accounts/auth.server";
import {
  listFrameworks,
  makeDefaultFramework,
} from "~/modules/frameworks/framework-editing.server";

export const meta: MetaFunction = () => [{ title: "Frameworks · Gapmap" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  return { frameworks: await listFrameworks(ctx.organization.id) };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  return handleFormErrors(async () => {
    const { frameworkId } = await parseForm(
      request,
      z.object({ frameworkId: z.uuid({ error: "Unknown framework." }) }),
    );
    await makeDefaultFramework(ctx, frameworkId, clientIp(context));
    return {
      ok: true as const,
      message: "Default framework changed: the next cycle you open uses it.",
    };
  });
}

export default function Frameworks() {
  const { frameworks } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const failure = failureOf(result);
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Frameworks</h1>
          <p>
            The default framework is the one new review cycles use. Edits to a framework already
            used by a cycle make a new version; history keeps the old one.
          </p>
        </div>
        <Link className="button" to="/admin/frameworks/import">
          Import a framework
        </Link>
      </div>
      <FormError failure={failure} />
      <div aria-live="polite">
        {result && "message" in result ? (
          <div className="alert success">{result.message}</div>
        ) : null}
      </div>
      <section className="card">
        <table>
          <thead>
            <tr>
              <th scope="col">Framework</th>
              <th scope="col">Version</th>
              <th scope="col">Topics</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {frameworks.map((f) => (
              <tr key={f.id}>
                <th scope="row">
                  <Link to={`/admin/frameworks/${f.id}`}>{f.name}</Link>{" "}
                  {f.is_default ? <span className="badge success">Default</span> : null}
                </th>
                <td>v{f.version}</td>
                <td>{f.topics}</td>
                <td className="inline-form">
                  <a href={`/admin/frameworks/${f.id}.csv`}>Export CSV</a>
                  {!f.is_default ? (
                    <Form method="post">
                      <input type="hidden" name="frameworkId" value={f.id} />
                      <button type="submit" className="small secondary">
                        Make default
                      </button>
                    </Form>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}
