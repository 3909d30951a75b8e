import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { formSucceeded } from "~/lib/flash.server";
import { useActionData, useLoaderData } from "@remix-run/react";
import { PlanPanel, ReadinessPanel } from "~/components/growth-panels";
import { handleFormErrors, loadOrRespond } from "~/lib/errors.server";
import { parseForm } from "~/lib/forms.server";
import { clientIp } from "~/lib/request.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { runPlanIntent } from "~/modules/growth/development-plans.server";
import { memberGrowth } from "~/modules/growth/member-growth.server";
import { PlanIntentSchema } from "~/modules/growth/plan-schemas";

export const meta: MetaFunction = () => [{ title: "Next level · Gapmap" }];

// Always the caller's own readiness and plan: nothing in the request picks the member.
export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request);
  return loadOrRespond(() =>
    memberGrowth(ctx, ctx.membership.id, new URL(request.url).searchParams),
  );
}

export async function action({ request, context }: ActionFunctionArgs) {
  const ctx = await requireMember(request);
  return handleFormErrors(async () => {
    const input = await parseForm(request, PlanIntentSchema);
    const message = await runPlanIntent(ctx, ctx.membership.id, input, clientIp(context));
    return formSucceeded(request, message);
  });
}

export default function NextLevel() {
  const growth = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Next level</h1>
          <p>How close you are to the next profile, and your plan to get there.</p>
        </div>
      </div>
      <ReadinessPanel growth={growth} whose="Your" />
      <PlanPanel growth={growth} result={result} />
    </>
  );
}
