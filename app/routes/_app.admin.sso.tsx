import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useId } from "react";
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
import { parseForm } from "~/lib/forms.server";
import { clientIp } from "~/lib/request.server";
import { requireMember } from "~/modules/accounts/auth.server";
import {
  getSsoSettings,
  removeSsoSettings,
  saveSsoSettings,
  SSO_SCOPES,
  SsoSettingsSchema,
  ssoRedirectUri,
} from "~/modules/accounts/single-sign-on.server";
import { listTeams } from "~/modules/accounts/teams.server";

export const meta: MetaFunction = () => [{ title: "Single sign-on · Gapmap" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  const [settings, teams] = await Promise.all([
    getSsoSettings(ctx.organization.id),
    listTeams(ctx.organization.id),
  ]);
  return {
    settings,
    teams: teams.map((t) => ({ id: t.id, name: t.name })),
    redirectUri: ssoRedirectUri(),
    scopes: SSO_SCOPES,
  };
}

const IntentSchema = z.discriminatedUnion("intent", [
  SsoSettingsSchema.extend({ intent: z.literal("save") }),
  z.object({ intent: z.literal("remove") }),
]);

export async function action({ request, context }: ActionFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  return handleFormErrors(async () => {
    const input = await parseForm(request, IntentSchema);
    if (input.intent === "remove") {
      await removeSsoSettings(ctx, clientIp(context));
      return {
        ok: true as const,
        message: "Single sign-on is off. Everyone logs in with a password again.",
      };
    }
    await saveSsoSettings(ctx, input, clientIp(context));
    return {
      ok: true as const,
      message: "Single sign-on saved. The client secret is stored encrypted and not shown again.",
    };
  });
}

export default function SingleSignOn() {
  const { settings, teams, redirectUri, scopes } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const failure = failureOf(result);
  const saving = useNavigation().state === "submitting";
  const message = result && "message" in result ? result.message : null;
  const errors = failure?.fieldErrors ?? {};
  const domainsId = useId();
  // After a save the typed secret leaves the page: the form goes back to the saved values.
  const formRef = useResetOnSuccess(result);
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Single sign-on</h1>
          <p>
            People sign in through your identity provider (OpenID Connect) and join on their first
            sign-in.
          </p>
        </div>
      </div>
      <div aria-live="polite">
        <FormSuccess message={message} />
      </div>

      <section className="card narrow" aria-labelledby="register-heading">
        <h2 id="register-heading">Register Gapmap with your provider</h2>
        <p className="muted">
          Create a confidential web application (authorization code flow with PKCE) with this
          redirect URI and the scopes <code>{scopes}</code>, then copy its issuer URL, client ID and
          secret below.
        </p>
        <CopyLink url={redirectUri} label="Redirect URI" />
      </section>

      <section className="card narrow" aria-labelledby="sso-heading">
        <h2 id="sso-heading">{settings ? "Settings" : "Set up single sign-on"}</h2>
        <FormError failure={failure} />
        <Form method="post" className="stack" noValidate ref={formRef}>
          <input type="hidden" name="intent" value="save" />
          <Field
            label="Issuer URL"
            name="issuerUrl"
            type="url"
            defaultValue={settings?.issuerUrl}
            placeholder="https://login.example.com"
            required
            hint="Gapmap reads the provider's /.well-known/openid-configuration from it when you save."
            error={errors.issuerUrl}
          />
          <Field
            label="Client ID"
            name="clientId"
            defaultValue={settings?.clientId}
            required
            error={errors.clientId}
          />
          <Field
            label="Client secret"
            name="clientSecret"
            type="password"
            autoComplete="off"
            required={!settings}
            placeholder={settings ? "Saved (leave blank to keep it)" : undefined}
            hint="Stored encrypted; never shown again."
            error={errors.clientSecret}
          />
          <div className="field">
            <label htmlFor={domainsId}>Allowed email domains</label>
            <textarea
              id={domainsId}
              name="allowedDomains"
              rows={2}
              style={{ width: "100%", boxSizing: "border-box" }}
              defaultValue={settings?.allowedDomains.join(", ")}
              aria-invalid={errors.allowedDomains ? true : undefined}
              aria-describedby={`${domainsId}-hint${errors.allowedDomains ? ` ${domainsId}-error` : ""}`}
            />
            <span id={`${domainsId}-hint`} className="hint">
              Comma-separated, like example.com, example.co.uk. The login page sends these addresses
              to your provider; other addresses are refused.
            </span>
            {errors.allowedDomains ? (
              <span id={`${domainsId}-error`} className="field-error">
                {errors.allowedDomains}
              </span>
            ) : null}
          </div>
          <SelectField
            label="Role for people joining through SSO"
            name="defaultRole"
            defaultValue={settings?.defaultRole ?? "engineer"}
            error={errors.defaultRole}
            options={[
              { value: "engineer", label: "Engineer" },
              { value: "lead", label: "Lead" },
              { value: "admin", label: "Admin" },
            ]}
          />
          <SelectField
            label="Team for people joining through SSO"
            name="defaultTeamId"
            defaultValue={settings?.defaultTeamId ?? ""}
            error={errors.defaultTeamId}
            options={[
              { value: "", label: "No team" },
              ...teams.map((t) => ({ value: t.id, label: t.name })),
            ]}
          />
          <label className="checkbox">
            <input
              type="checkbox"
              name="requireSso"
              value="on"
              defaultChecked={settings?.requireSso ?? false}
            />{" "}
            Require SSO: members cannot log in with a password. Admins still can (a break-glass,
            recorded in the audit log).
          </label>
          <button type="submit" disabled={saving}>
            Save single sign-on
          </button>
        </Form>
      </section>

      {settings ? (
        <section className="card narrow" aria-labelledby="remove-heading">
          <h2 id="remove-heading">Turn single sign-on off</h2>
          <p className="muted">
            Sessions started through SSO end; everyone logs in with a password (or a reset link).
          </p>
          <Form method="post">
            <input type="hidden" name="intent" value="remove" />
            <button type="submit" className="danger">
              Turn off single sign-on
            </button>
          </Form>
        </section>
      ) : null}
    </>
  );
}
