import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { PlanPanel, ReadinessPanel } from "~/components/growth-panels";
import { handleFormErrors, loadOrRespond } from "~/lib/errors.server";
import { parseForm } from "~/lib/forms.server";
import { clientIp } from "~/lib/request.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { runPlanIntent } from "~/modules/growth/development-plans.server";
import { memberGrowth } from "~/modules/growth/member-growth.server";
import { reachableMember } from "~/modules/growth/member-reach.server";
import { PlanIntentSchema } from "~/modules/growth/plan-schemas";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.member.displayName ?? "Member"} · Growth · Gapmap` },
];

// A member's readiness and plan for whoever may reach them (their lead, an admin, themselves).
export async function loader({ request, params }: LoaderFunctionArgs) {
  const ctx = await requireMember(request);
  return loadOrRespond(() =>
    memberGrowth(ctx, params.memberId ?? "", new URL(request.url).searchParams),
  );
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const ctx = await requireMember(request);
  return handleFormErrors(async () => {
    // Someone out of reach is told "not found" before anything they sent is read.
    const member = await reachableMember(ctx, params.memberId ?? "");
    const input = await parseForm(request, PlanIntentSchema);
    const message = await runPlanIntent(ctx, member.id, input, clientIp(context));
    return { ok: true as const, message };
  });
}

export default function MemberGrowthPage() {
  const growth = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <>
      <p className="muted">
        <Link to="/growth/team">← Team readiness</Link>
      </p>
      <div className="page-header">
        <div>
          <h1>{growth.member.displayName}</h1>
          <p>Readiness for the next level and the development plan.</p>
        </div>
      </div>
      <ReadinessPanel growth={growth} whose={`${growth.member.displayName}'s`} />
      <PlanPanel growth={growth} result={result} />
    </>
  );
}
