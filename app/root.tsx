import {
  data,
  type LinksFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import {
  isRouteErrorResponse,
  Link,
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  useLocation,
  useRouteError,
  useRouteLoaderData,
} from "@remix-run/react";
import { useEffect, type ReactNode } from "react";
import { localeFromAcceptLanguage } from "~/lib/dates";
import { takeFlash } from "~/lib/flash.server";
import { useNonce } from "~/lib/nonce";
import styles from "~/styles/app.css?url";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: styles },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

/**
 * The request's id, which the server logs an error under and the error page shows as its
 * reference. Loaded again with every navigation so it is the id of the request that failed
 * (single fetch runs a navigation's loaders in one request).
 */
export async function loader({ context, request }: LoaderFunctionArgs) {
  const flash = await takeFlash(request);
  return data(
    {
      requestId: context.requestId,
      // Dates are written in the reader's language on the server and in the browser alike.
      locale: localeFromAcceptLanguage(request.headers.get("accept-language")),
      // A redirecting form's confirmation (flash.server.ts), shown once.
      flash: flash?.message ?? null,
    },
    flash ? { headers: { "Set-Cookie": flash.clear } } : undefined,
  );
}

export const shouldRevalidate = () => true;

function errorStatus(error: unknown) {
  return isRouteErrorResponse(error) ? error.status : 500;
}

function errorTitle(status: number) {
  return status === 404 ? "Page not found" : status === 403 ? "No access" : `Error ${status}`;
}

/** Pages set their own titles; an error page rendered here gets one too. */
export const meta: MetaFunction = ({ error }) =>
  error ? [{ title: `${errorTitle(errorStatus(error))} · Gapmap` }] : [];

export function Layout({ children }: { children: ReactNode }) {
  const nonce = useNonce();
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        {children}
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

/**
 * A form posted to an index route goes to "?index" (how Remix tells the index route from a
 * layout at the same path), and the address bar kept it after the action. The marker is
 * taken out of the address once the page shows, without a new navigation, so the action's
 * message stays and the URL a person copies or reloads is the page's own.
 */
function useAddressWithoutIndexMarker() {
  const location = useLocation();
  useEffect(() => {
    const params = new URLSearchParams(location.search);
    if (params.get("index") !== "") return;
    params.delete("index");
    const search = params.size ? `?${params}` : "";
    window.history.replaceState(
      window.history.state,
      "",
      `${location.pathname}${search}${location.hash}`,
    );
  }, [location]);
}

export default function App() {
  useAddressWithoutIndexMarker();
  return <Outlet />;
}

export function ErrorBoundary() {
  const error = useRouteError();
  const requestId = useRouteLoaderData<typeof loader>("root")?.requestId;
  const status = errorStatus(error);
  // A 4xx carries a message written for the user (e.g. why access is refused); a 404 never
  // says more, so it cannot confirm that another organisation's object exists.
  const detail = isRouteErrorResponse(error) && typeof error.data === "string" ? error.data : "";
  const message =
    status === 404
      ? "We could not find that page. It may have moved, or it belongs to another organisation."
      : status < 500 && detail
        ? detail
        : status === 403
          ? "You do not have access to this page."
          : "Something went wrong on our side. Please try again; if it keeps happening, tell your admin.";
  return (
    <main className="centered-page">
      <div className="card narrow">
        <h1>{errorTitle(status)}</h1>
        <p>{message}</p>
        {status >= 500 && requestId ? (
          <p>
            Reference: <code>{requestId}</code> — quote it to your admin; it names this error in the
            server&apos;s log.
          </p>
        ) : null}
        <p>
          <Link to="/dashboard">Back to the dashboard</Link>
        </p>
      </div>
    </main>
  );
}
