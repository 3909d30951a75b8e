import {
  createPrivateKey,
  generateKeyPairSync,
  randomUUID,
  sign,
  type JsonWebKey,
} from "node:crypto";
import http from "node:http";
import Provider from "oidc-provider";
import { freePort } from "./free-port";

// A real OpenID provider (the `oidc-provider` package) on a loopback port with its own RSA
// key, for the SSO tests. Its sign-in page is a one-field form (the account's email). For
// the cases a well-behaved provider never produces (an ID token for another audience, or
// already expired), `mintIdTokens` re-signs the token endpoint's ID token with the
// provider's own key after changing a claim: what a compromised or misconfigured provider
// would send.

export interface TestAccount {
  email: string;
  name?: string;
  emailVerified?: boolean;
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** People who can sign in at this provider, by email. */
  accounts: Map<string, TestAccount>;
  addAccount(account: TestAccount): void;
  /** Set: every ID token the token endpoint returns is changed this way and re-signed. */
  mintIdTokens: ((claims: Record<string, unknown>) => Record<string, unknown>) | null;
  close(): Promise<void>;
}

function base64url(value: unknown) {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

function page(body: string) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test identity provider</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"></head>
<body style="font-family:sans-serif;max-width:24rem;margin:3rem auto">${body}</body></html>`;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function readBody(req: http.IncomingMessage) {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

export async function startTestProvider(options: {
  redirectUris: string[];
}): Promise<TestProvider> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = randomUUID();
  const jwk: JsonWebKey = {
    ...privateKey.export({ format: "jwk" }),
    kid,
    use: "sig",
    alg: "RS256",
  };
  const signingKey = createPrivateKey({ key: jwk, format: "jwk" });
  const clientId = `gapmap-${randomUUID().slice(0, 8)}`;
  const clientSecret = randomUUID() + randomUUID();
  const accounts = new Map<string, TestAccount>();

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: [randomUUID()] },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    async findAccount(_ctx: unknown, sub: string) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        async claims() {
          return {
            sub,
            email: account.email,
            email_verified: account.emailVerified ?? true,
            name: account.name,
          };
        },
      };
    },
    // Gapmap is a first-party client here: no consent screen.
    async loadExistingGrant(ctx: ProviderContext) {
      const grantId =
        ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope("openid email profile");
      await grant.save();
      return grant;
    },
  });

  const state: TestProvider = {
    issuer,
    clientId,
    clientSecret,
    accounts,
    addAccount(account) {
      accounts.set(account.email, account);
    },
    mintIdTokens: null,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  provider.use(
    async (ctx: { path: string; status: number; body: unknown }, next: () => Promise<void>) => {
      await next();
      const body = ctx.body as { id_token?: string } | null;
      if (ctx.path !== "/token" || ctx.status !== 200 || !state.mintIdTokens || !body?.id_token)
        return;
      const [header, payload] = body.id_token.split(".");
      const claims = state.mintIdTokens(
        JSON.parse(Buffer.from(payload!, "base64url").toString("utf8")),
      );
      const input = `${header}.${base64url(claims)}`;
      const signature = sign("sha256", Buffer.from(input), signingKey).toString("base64url");
      ctx.body = { ...body, id_token: `${input}.${signature}` };
    },
  );

  const callback = provider.callback();
  const server = http.createServer((req, res) => {
    if (!req.url?.startsWith("/interaction/")) return callback(req, res);
    void (async () => {
      const details = await provider.interactionDetails(req, res);
      const hint = typeof details.params.login_hint === "string" ? details.params.login_hint : "";
      const form = (error = "") =>
        page(`<h1>Test identity provider</h1>${error ? `<p role="alert">${escapeHtml(error)}</p>` : ""}
<form method="post" action="/interaction/${details.uid}">
<label>Email <input name="email" type="email" value="${escapeHtml(hint)}"></label>
<button type="submit">Sign in</button></form>`);
      if (req.method !== "POST") {
        res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(form());
        return;
      }
      const email = (await readBody(req)).get("email") ?? "";
      if (!accounts.has(email)) {
        res
          .writeHead(200, { "Content-Type": "text/html; charset=utf-8" })
          .end(form(`No account ${email} here.`));
        return;
      }
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: email } },
        { mergeWithLastSubmission: false },
      );
    })().catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return state;
}

interface ProviderContext {
  oidc: {
    result?: { consent?: { grantId?: string } };
    session: { accountId: string; grantIdFor(clientId: string): string | undefined };
    client: { clientId: string };
    provider: {
      Grant: {
        find(id: string): Promise<unknown>;
        new (init: { clientId: string; accountId: string }): {
          addOIDCScope(scope: string): void;
          save(): Promise<string>;
        };
      };
    };
  };
}

/**
 * Walks a browser's way through the provider: from the authorization URL, past the sign-in
 * form as `email`, to the redirect back to Gapmap (returned, not followed). Cookies are kept
 * for the provider's origin only.
 */
export async function signInAtProvider(authorizationUrl: string, email: string): Promise<URL> {
  const jar = new Map<string, string>();
  const origin = new URL(authorizationUrl).origin;
  let url = authorizationUrl;
  let init: RequestInit = {};
  for (let hop = 0; hop < 10; hop++) {
    const headers = new Headers(init.headers);
    if (jar.size) headers.set("Cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await fetch(url, { ...init, headers, redirect: "manual" });
    for (const cookie of res.headers.getSetCookie()) {
      const [pair] = cookie.split(";");
      const [name, ...value] = pair!.split("=");
      jar.set(name!.trim(), value.join("="));
    }
    const location = res.headers.get("Location");
    if (res.status >= 300 && res.status < 400 && location) {
      const next = new URL(location, url);
      if (next.origin !== origin) return next;
      url = next.href;
      init = {};
      continue;
    }
    const html = await res.text();
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error(`the provider answered ${res.status}: ${html.slice(0, 500)}`);
    url = new URL(action, url).href;
    init = {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email }).toString(),
    };
  }
  throw new Error("too many redirects at the provider");
}
