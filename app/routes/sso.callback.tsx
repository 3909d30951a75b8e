import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { AuthCard } from "~/components/auth-card";
import { AppError } from "~/lib/errors.server";
import { clientIp } from "~/lib/request.server";
import { signInAndRedirect } from "~/modules/accounts/auth.server";
import {
  clearStateCookie,
  completeSsoLogin,
  SsoRefusal,
} from "~/modules/accounts/single-sign-on.server";

export const meta: MetaFunction = () => [{ title: "Signing in · Gapmap" }];

/** The identity provider sends the browser back here with a code (or an error). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  try {
    const signedIn = await completeSsoLogin(request, clientIp(context));
    const response = await signInAndRedirect(
      request,
      signedIn.userId,
      signedIn.organizationId,
      signedIn.redirectTo,
      true,
    );
    response.headers.append("Set-Cookie", clearStateCookie());
    return response;
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return data(
      { message: error.publicMessage },
      {
        status: error instanceof SsoRefusal ? 403 : error.status,
        headers: { "Set-Cookie": clearStateCookie() },
      },
    );
  }
}

export default function SsoCallback() {
  const { message } = useLoaderData<typeof loader>();
  return (
    <AuthCard title="Single sign-on did not work">
      <div className="alert error" role="alert">
        {message}
      </div>
      <p className="muted" style={{ marginTop: "1rem" }}>
        <Link to="/login">Back to the login page</Link>
      </p>
    </AuthCard>
  );
}
