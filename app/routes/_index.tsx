import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Link } from "@remix-run/react";
import { getUser } from "~/modules/accounts/auth.server";

export const meta: MetaFunction = () => [
  { title: "Gapmap — skills gaps and mentoring for engineering teams" },
];

export async function loader({ request }: LoaderFunctionArgs) {
  if (await getUser(request)) throw redirect("/dashboard");
  return null;
}

export default function Landing() {
  return (
    <main className="centered-page">
      <div className="card" style={{ maxWidth: "40rem" }}>
        <h1>Gapmap</h1>
        <p>
          Where are your team&apos;s skill gaps against the expectations you hold, and who is
          closing them with whom? Engineers assess themselves against a skills framework, leads see
          the gaps, pair mentors with mentees, and every quarter a report shows what moved.
        </p>
        <p className="inline-form">
          <Link className="button" to="/signup">
            Create an organisation
          </Link>
          <Link className="button secondary" to="/login">
            Log in
          </Link>
        </p>
      </div>
    </main>
  );
}
