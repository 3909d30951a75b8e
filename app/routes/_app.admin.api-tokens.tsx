import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useDates } from "~/components/dates";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { CopyLink } from "~/components/copy-link";
import {
  Field,
  FormError,
  SelectField,
  failureOf,
  FormSuccess,
  useResetOnSuccess,
} from "~/components/forms";
import { handleFormErrors } from "~/lib/errors.server";
import { parseFormData, readForm } from "~/lib/forms.server";
import { clientIp } from "~/lib/request.server";
import { requireMember } from "~/modules/accounts/auth.server";
import {
  createApiToken,
  listApiTokens,
  NewApiTokenSchema,
  revokeApiToken,
} from "~/modules/api/api-tokens.server";

export const meta: MetaFunction = () => [{ title: "API tokens · Gapmap" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  return { tokens: await listApiTokens(ctx.organization.id) };
}

const TokenIdSchema = z.object({ tokenId: z.uuid({ error: "Unknown token." }) });

export async function action({ request, context }: ActionFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  const ip = clientIp(context);
  return handleFormErrors(async () => {
    const form = await readForm(request);
    switch (form.get("intent")) {
      case "create": {
        const token = await createApiToken(ctx, parseFormData(form, NewApiTokenSchema), ip);
        return { ok: true as const, created: { name: token.name, secret: token.secret } };
      }
      case "revoke": {
        const token = await revokeApiToken(ctx, parseFormData(form, TokenIdSchema).tokenId, ip);
        return { ok: true as const, revoked: token.name };
      }
      default:
        return new Response("Unknown action", { status: 400 });
    }
  });
}

function status(
  date: (value: Date | null) => string,
  token: { revoked_at: Date | null; expires_at: Date | null },
  now: number,
) {
  if (token.revoked_at) return <span className="badge">Revoked {date(token.revoked_at)}</span>;
  if (token.expires_at && token.expires_at.getTime() <= now)
    return <span className="badge warning">Expired</span>;
  return <span className="badge success">Active</span>;
}

export default function ApiTokens() {
  const { date, dateTime } = useDates();
  const { tokens } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const failure = failureOf(result);
  const newTokenForm = useResetOnSuccess(result);
  const created = result && "created" in result ? result.created : null;
  const revoked = result && "revoked" in result ? result.revoked : null;
  const now = Date.now();
  return (
    <>
      <div className="page-header">
        <div>
          <h1>API tokens</h1>
          <p>
            Tokens let other systems read and write this organisation&apos;s data through the{" "}
            <Link to="/api/v1/docs">REST API</Link>. A token acts with your admin rights; it stops
            working when it is revoked, when it expires, or when you are no longer an admin.
          </p>
        </div>
      </div>
      {created ? (
        <FormSuccess>
          <p>
            Token <strong>{created.name}</strong> created. Copy it now: it is shown only once.
          </p>
          <CopyLink url={created.secret} label={`API token ${created.name}`} />
        </FormSuccess>
      ) : null}
      {revoked ? (
        <FormSuccess>
          Token <strong>{revoked}</strong> revoked. Calls with it now get 401.
        </FormSuccess>
      ) : null}
      <section className="card" aria-labelledby="new-token">
        <h2 id="new-token">New token</h2>
        <FormError failure={failure} />
        <Form method="post" className="inline-form" noValidate ref={newTokenForm}>
          <input type="hidden" name="intent" value="create" />
          <Field
            label="Name"
            name="name"
            required
            error={failure?.fieldErrors.name}
            hint="What will use it"
          />
          <SelectField
            label="Scope"
            name="scope"
            defaultValue="read"
            error={failure?.fieldErrors.scope}
            options={[
              { value: "read", label: "Read only" },
              { value: "read_write", label: "Read and write" },
            ]}
          />
          <Field
            label="Expires on (optional)"
            name="expiresOn"
            type="date"
            error={failure?.fieldErrors.expiresOn}
          />
          <button type="submit">Create token</button>
        </Form>
      </section>
      <section className="card" aria-labelledby="all-tokens">
        <h2 id="all-tokens">Tokens</h2>
        {tokens.length ? (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Scope</th>
                  <th scope="col">Status</th>
                  <th scope="col">Created</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Last used</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {tokens.map((t) => (
                  <tr key={t.id}>
                    <td>{t.name}</td>
                    <td>{t.scope === "read_write" ? "Read and write" : "Read only"}</td>
                    <td>{status(date, t, now)}</td>
                    <td>
                      {date(t.created_at)}
                      {t.created_by ? ` by ${t.created_by}` : ""}
                    </td>
                    <td>{t.expires_at ? date(t.expires_at) : "Never"}</td>
                    <td>{dateTime(t.last_used_at)}</td>
                    <td>
                      {t.revoked_at ? null : (
                        <Form method="post">
                          <input type="hidden" name="intent" value="revoke" />
                          <input type="hidden" name="tokenId" value={t.id} />
                          <button
                            type="submit"
                            className="small danger"
                            aria-label={`Revoke ${t.name}`}
                          >
                            Revoke
                          </button>
                        </Form>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="empty-state">
            No tokens yet. Create one above for each system that should use the API.
          </p>
        )}
      </section>
    </>
  );
}
