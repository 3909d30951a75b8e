import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useDates } from "~/components/dates";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { CopyLink } from "~/components/copy-link";
import { FormError, failureOf, FormSuccess } from "~/components/forms";
import { handleFormErrors } from "~/lib/errors.server";
import { parseForm } from "~/lib/forms.server";
import { clientIp } from "~/lib/request.server";
import { requireMember } from "~/modules/accounts/auth.server";
import {
  calendarFeedStatus,
  issueCalendarFeed,
  revokeCalendarFeed,
} from "~/modules/calendar/calendar-feed.server";

export const meta: MetaFunction = () => [{ title: "Calendar · Gapmap" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request);
  return { feed: await calendarFeedStatus(ctx) };
}

const IntentSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("issue"), includeTeam: z.literal("on").optional() }),
  z.object({ intent: z.literal("revoke") }),
]);

export async function action({ request, context }: ActionFunctionArgs) {
  const ctx = await requireMember(request);
  return handleFormErrors(async () => {
    const input = await parseForm(request, IntentSchema);
    const ip = clientIp(context);
    if (input.intent === "revoke") {
      await revokeCalendarFeed(ctx, ip);
      return {
        ok: true as const,
        message: "Calendar link stopped: it no longer works.",
        url: null,
      };
    }
    const { isLead } = await calendarFeedStatus(ctx);
    const url = await issueCalendarFeed(
      ctx,
      { includeTeam: isLead && Boolean(input.includeTeam) },
      ip,
    );
    return {
      ok: true as const,
      message: "Your calendar link is ready. Copy it now: it is shown only once.",
      url,
    };
  });
}

export default function Calendar() {
  const { dateTime } = useDates();
  const { feed } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const failure = failureOf(result);
  const done = result && "message" in result ? result : null;
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Calendar</h1>
          <p>
            Subscribe to your own Gapmap calendar in Google Calendar, Outlook or Apple Calendar:
            your self-assessment due dates, the review cycles&rsquo; dates and your next mentoring
            check-ins, kept up to date.
          </p>
        </div>
      </div>
      <div aria-live="polite">
        {done ? (
          <FormSuccess>
            <p>{done.message}</p>
            {done.url ? <CopyLink url={done.url} label="Calendar link" /> : null}
          </FormSuccess>
        ) : null}
      </div>
      <FormError failure={failure} />
      <section className="card" aria-labelledby="feed-heading">
        <h2 id="feed-heading">Your private calendar link</h2>
        <p className="muted">
          {feed.active
            ? `A link made ${dateTime(feed.createdAt)} is working${feed.includeTeam ? ", with your teams' check-ins" : ""}. Anyone with it can read your calendar: make a new one if it got out, and the old one stops working.`
            : "You have no calendar link. Anyone with the link can read your calendar, so keep it to yourself."}
        </p>
        <Form method="post" className="inline-form">
          <input type="hidden" name="intent" value="issue" />
          {feed.isLead ? (
            <label className="checkbox">
              <input type="checkbox" name="includeTeam" defaultChecked={feed.includeTeam} /> Add the
              check-ins of the teams I lead
            </label>
          ) : null}
          <button type="submit">{feed.active ? "Make a new link" : "Make my calendar link"}</button>
        </Form>
        {feed.active ? (
          <Form method="post" style={{ marginTop: "0.75rem" }}>
            <input type="hidden" name="intent" value="revoke" />
            <button type="submit" className="danger secondary">
              Stop my calendar link
            </button>
          </Form>
        ) : null}
      </section>
    </>
  );
}
