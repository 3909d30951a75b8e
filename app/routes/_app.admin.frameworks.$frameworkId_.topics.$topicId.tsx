import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import {
  Field,
  FormError,
  SelectField,
  failureOf,
  FormSuccess,
  successOf,
} from "~/components/forms";
import { handleFormErrors, loadOrRespond } from "~/lib/errors.server";
import { parseFormData, readForm } from "~/lib/forms.server";
import { clientIp } from "~/lib/request.server";
import { requireMember } from "~/modules/accounts/auth.server";
import {
  TopicDescriptorsSchema,
  getTopicDescriptors,
  saveTopicDescriptors,
} from "~/modules/frameworks/level-descriptors.server";
import { LearningResourceSchema } from "~/modules/frameworks/learning-resources";
import {
  addTopicResource,
  listTopicResources,
  removeTopicResource,
} from "~/modules/frameworks/topic-resources.server";

export const meta: MetaFunction = () => [{ title: "Topic levels · Gapmap" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  const frameworkId = params.frameworkId ?? "";
  const topicId = params.topicId ?? "";
  return loadOrRespond(async () => {
    const descriptors = await getTopicDescriptors(ctx.organization.id, frameworkId, topicId);
    const resources = await listTopicResources(ctx.organization.id, frameworkId, topicId);
    return { ...descriptors, resources };
  });
}

// The level descriptors form has no intent (it came first); the links have theirs.
const ResourceIntent = z.discriminatedUnion("intent", [
  LearningResourceSchema.extend({ intent: z.literal("add-resource") }),
  z.object({ intent: z.literal("remove-resource"), resourceId: z.uuid() }),
]);

export async function action({ request, params, context }: ActionFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  const frameworkId = params.frameworkId ?? "";
  const topicId = params.topicId ?? "";
  return handleFormErrors(async () => {
    const form = await readForm(request);
    if (form.has("intent")) {
      const input = parseFormData(form, ResourceIntent);
      if (input.intent === "add-resource")
        await addTopicResource(ctx, frameworkId, topicId, input, clientIp(context));
      else
        await removeTopicResource(ctx, frameworkId, topicId, input.resourceId, clientIp(context));
      return { ok: true as const, message: "Learning links saved." };
    }
    const input = parseFormData(form, TopicDescriptorsSchema);
    const saved = await saveTopicDescriptors(ctx, frameworkId, topicId, input, clientIp(context));
    return {
      ok: true as const,
      message: saved.newVersion
        ? "Saved in a new framework version (the previous one is used by a cycle)."
        : "Saved.",
    };
  });
}

export default function TopicLevels() {
  const { topic, defaults, overrides, resources } = useLoaderData<typeof loader>();
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
        <FormSuccess message={successOf(result)} />
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
      <section className="card" aria-labelledby="resources-heading">
        <h2 id="resources-heading">Learning links</h2>
        <p className="muted">Shown with every development-plan goal on this topic.</p>
        {resources.length ? (
          <ul className="plain-list">
            {resources.map((r) => (
              <li key={r.id}>
                <Form method="post" className="inline-form">
                  <a href={r.url} rel="noreferrer noopener" target="_blank">
                    {r.title}
                  </a>
                  {r.level !== null ? <span className="muted"> · level {r.level}</span> : null}
                  <input type="hidden" name="intent" value="remove-resource" />
                  <input type="hidden" name="resourceId" value={r.id} />
                  <button type="submit" className="small secondary">
                    Remove
                  </button>
                </Form>
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">No links yet.</p>
        )}
        <Form method="post" className="inline-form" aria-label="Add a learning link">
          <input type="hidden" name="intent" value="add-resource" />
          <Field
            label="Title"
            name="title"
            required
            maxLength={200}
            error={failure?.fieldErrors.title}
          />
          <Field label="Address" name="url" type="url" required error={failure?.fieldErrors.url} />
          <SelectField
            label="For level"
            name="level"
            error={failure?.fieldErrors.level}
            options={[
              { value: "", label: "Any" },
              ...[0, 1, 2, 3, 4].map((l) => ({ value: String(l), label: String(l) })),
            ]}
          />
          <button type="submit" className="small">
            Add link
          </button>
        </Form>
      </section>
    </>
  );
}
