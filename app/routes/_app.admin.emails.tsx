import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { requireMember } from "~/modules/accounts/auth.server";
import { messagePreviews } from "~/modules/notifications/email-previews.server";

export const meta: MetaFunction = () => [{ title: "Message previews · Gapmap" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  return { previews: await messagePreviews(ctx) };
}

export default function EmailPreviews() {
  const { previews } = useLoaderData<typeof loader>();
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Message previews</h1>
          <p>
            Every kind of message Gapmap sends, as people receive it: the email (HTML and plain
            text) and, for team messages, the Slack and Microsoft Teams posts, all from the same
            message. Reminders show this organisation&rsquo;s latest one where there is one.
          </p>
        </div>
      </div>
      {previews.map((p) => (
        <section key={p.kind} className="card" aria-labelledby={`preview-${p.kind}`}>
          <h2 id={`preview-${p.kind}`}>
            {p.label} {p.example ? <span className="badge">example</span> : null}
          </h2>
          <p>
            <strong>Subject:</strong> {p.subject}
          </p>
          <iframe
            title={`${p.label}: email`}
            srcDoc={p.html}
            sandbox=""
            className="email-preview"
          />
          <details>
            <summary>Plain text</summary>
            <pre className="message-body">{p.text}</pre>
          </details>
          {p.slack ? (
            <details>
              <summary>Slack (Block Kit) and Microsoft Teams (Adaptive Card)</summary>
              <pre className="message-body">{JSON.stringify(p.slack, null, 2)}</pre>
              <pre className="message-body">{JSON.stringify(p.teams, null, 2)}</pre>
            </details>
          ) : null}
        </section>
      ))}
    </>
  );
}
