import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { Field, FormError, failureOf } from "~/components/forms";
import { handleFormErrors, loadOrRespond } from "~/lib/errors.server";
import { parseForm } from "~/lib/forms.server";
import { clientIp } from "~/lib/request.server";
import { requireMember } from "~/modules/accounts/auth.server";
import {
  TopicDescriptorsSchema,
  getTopicDescriptors,
  saveTopicDescriptors,
} from "~/modules/frameworks/level-descriptors.server";

export const meta: MetaFunction = () => [{ title: "Topic levels · Gapmap" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  return loadOrRespond(() =>
    getTopicDescriptors(ctx.organization.id, params.frameworkId ?? "", params.topicId ?? ""),
  );
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  return handleFormErrors(async () => {
    const input = await parseForm(request, TopicDescriptorsSchema);
    const saved = await saveTopicDescriptors(
      ctx,
      params.frameworkId ?? "",
      params.topicId ?? "",
      input,
      clientIp(context),
    );
    return {
      ok: true as const,
      message: saved.newVersion
        ? "Saved in a new framework version (the previous one is used by a cycle)."
        : "Saved.",
    };
  });
}

export default function TopicLevels() {
  const { topic, defaults, overrides } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const failure = failureOf(result);
  return (
    <>
      <div className="page-header">
        <div>
          <h1>{topic.name}: what each level means</h1>
          <p>
            Leave a level blank to use the organisation&apos;s wording, shown as the hint.{" "}
            <Link to={`/admin/frameworks/${topic.framework_id}`}>
              Back to {topic.framework_name}
            </Link>
          </p>
        </div>
      </div>
      <div aria-live="polite">
        {result && "message" in result ? (
          <div className="alert success">{result.message}</div>
        ) : null}
        <FormError failure={failure} />
      </div>
      <Form method="post" className="card stack" key={JSON.stringify(overrides)}>
        {defaults.map((d) => (
          <Field
            key={d.level}
            label={`${d.level} ${d.label}`}
            name={`description.${d.level}`}
            defaultValue={overrides[d.level] ?? ""}
            placeholder={d.description}
            hint={`Default: ${d.description}`}
            maxLength={500}
            error={failure?.fieldErrors[`description.${d.level}`]}
          />
        ))}
        <div>
          <button type="submit">Save levels</button>
        </div>
      </Form>
    </>
  );
}
