import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useDates } from "~/components/dates";
import {
  Form,
  Link,
  useActionData,
  useFetcher,
  useLoaderData,
  useNavigation,
} from "@remix-run/react";
import type { ReactNode } from "react";
import { z } from "zod";
import { Field, FormError, failureOf, FormSuccess, successOf } from "~/components/forms";
import { handleFormErrors, loadOrRespond } from "~/lib/errors.server";
import { parseFormData, readForm } from "~/lib/forms.server";
import { clientIp } from "~/lib/request.server";
import { requireMember } from "~/modules/accounts/auth.server";
import {
  ProfileNameSchema,
  addTargetProfile,
  listTargetProfilesOf,
  moveTargetProfile,
} from "~/modules/frameworks/target-profiles.server";
import {
  CategorySchema,
  addCategory,
  moveCategory,
  moveTopicToCategory,
  updateCategory,
  TopicSchema,
  addTopic,
  getFrameworkForEditing,
  moveTopic,
  setTopicRetired,
  updateTopic,
} from "~/modules/frameworks/framework-editing.server";

export const meta: MetaFunction = () => [{ title: "Edit framework · Gapmap" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  return loadOrRespond(async () => {
    const editing = await getFrameworkForEditing(ctx.organization.id, params.frameworkId ?? "");
    return {
      ...editing,
      profiles: await listTargetProfilesOf(ctx.organization.id, editing.framework.id),
    };
  });
}

const Id = z.uuid({ error: "Unknown item." });

export async function action({ request, params, context }: ActionFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  const frameworkId = params.frameworkId ?? "";
  const ip = clientIp(context);
  return handleFormErrors(async () => {
    const form = await readForm(request);
    const intent = String(form.get("intent") ?? "");
    let outcome: { newVersion: boolean };
    if (intent === "add-category") {
      outcome = await addCategory(ctx, frameworkId, parseFormData(form, CategorySchema), ip);
    } else if (
      intent === "update-category" ||
      intent === "category-up" ||
      intent === "category-down"
    ) {
      const { categoryId } = parseFormData(form, z.object({ categoryId: Id }));
      outcome =
        intent === "update-category"
          ? await updateCategory(
              ctx,
              frameworkId,
              categoryId,
              parseFormData(form, CategorySchema),
              ip,
            )
          : await moveCategory(
              ctx,
              frameworkId,
              categoryId,
              intent === "category-up" ? "up" : "down",
              ip,
            );
    } else if (intent === "recategorise") {
      const { topicId, categoryId } = parseFormData(
        form,
        z.object({ topicId: Id, categoryId: Id }),
      );
      outcome = await moveTopicToCategory(ctx, frameworkId, topicId, categoryId, ip);
    } else if (intent === "add-profile") {
      const { name } = parseFormData(form, ProfileNameSchema);
      outcome = await addTargetProfile(ctx, frameworkId, name, ip);
    } else if (intent === "profile-up" || intent === "profile-down") {
      const { profileId } = parseFormData(form, z.object({ profileId: Id }));
      outcome = await moveTargetProfile(
        ctx,
        frameworkId,
        profileId,
        intent === "profile-up" ? "up" : "down",
        ip,
      );
    } else if (intent === "add") {
      const { categoryId, ...input } = parseFormData(form, TopicSchema.extend({ categoryId: Id }));
      outcome = await addTopic(ctx, frameworkId, categoryId, input, ip);
    } else {
      const { topicId } = parseFormData(form, z.object({ topicId: Id }));
      if (intent === "update")
        outcome = await updateTopic(
          ctx,
          frameworkId,
          topicId,
          parseFormData(form, TopicSchema),
          ip,
        );
      else if (intent === "retire" || intent === "restore")
        outcome = await setTopicRetired(ctx, frameworkId, topicId, intent === "retire", ip);
      else if (intent === "up" || intent === "down")
        outcome = await moveTopic(ctx, frameworkId, topicId, intent, ip);
      else return new Response("Unknown action", { status: 400 });
    }
    return {
      ok: true as const,
      target: String(form.get("topicId") ?? form.get("categoryId") ?? ""),
      message: outcome.newVersion
        ? "Saved as a new version: the previous one is used by a review cycle and stays as it was."
        : "Saved.",
    };
  });
}

export default function FrameworkEditor() {
  const { date } = useDates();
  const { framework, categories, versions, profiles } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const failure = failureOf(result);
  const pending = useNavigation().formData;
  const failedFor = failure ? String(pending?.get("topicId") ?? "") : "";
  return (
    <>
      <div className="page-header">
        <div>
          <h1>
            {framework.name} <span className="muted">v{framework.version}</span>
          </h1>
          <p>
            Rename, describe, reorder and retire topics. A retired topic keeps its ratings and
            leaves the cycles opened after it. <Link to="/admin/frameworks">All frameworks</Link> ·{" "}
            <a href={`/admin/frameworks/${framework.id}.csv`}>Export CSV</a>
          </p>
        </div>
      </div>
      <div aria-live="polite">
        <FormSuccess message={successOf(result)} />
        <FormError failure={failure} />
        {failure?.fieldErrors.name && !failedFor ? (
          <p className="field-error">{failure.fieldErrors.name}</p>
        ) : null}
      </div>
      {categories.map((category, c) => (
        <section key={category.id} className="card" aria-labelledby={`cat-${category.id}`}>
          <h2 id={`cat-${category.id}`}>
            {category.name}{" "}
            {category.kind === "role_expectations" ? (
              <span className="badge">role expectations</span>
            ) : null}
          </h2>
          <RowForm label={`Edit category ${category.name}`}>
            {(errors) => (
              <>
                <input type="hidden" name="categoryId" value={category.id} />
                <Field
                  label="Category name"
                  name="name"
                  defaultValue={category.name}
                  maxLength={200}
                  error={errors.name}
                />
                <Field
                  label="Category description"
                  name="description"
                  defaultValue={category.description ?? ""}
                  maxLength={2000}
                />
                <button
                  type="submit"
                  name="intent"
                  value="update-category"
                  className="small secondary"
                >
                  Save category
                </button>
                <button
                  type="submit"
                  name="intent"
                  value="category-up"
                  className="small secondary"
                  disabled={c === 0}
                  aria-label={`Move ${category.name} up`}
                >
                  ↑
                </button>
                <button
                  type="submit"
                  name="intent"
                  value="category-down"
                  className="small secondary"
                  disabled={c === categories.length - 1}
                  aria-label={`Move ${category.name} down`}
                >
                  ↓
                </button>
              </>
            )}
          </RowForm>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Topic</th>
                  <th scope="col">Order</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {category.topics.map((topic, i) => (
                  <tr key={topic.id} className={topic.retired ? "inactive" : undefined}>
                    <td>
                      <RowForm label={`Edit ${topic.name}`}>
                        {(errors) => (
                          <>
                            <input type="hidden" name="topicId" value={topic.id} />
                            <Field
                              label="Name"
                              name="name"
                              defaultValue={topic.name}
                              maxLength={200}
                              error={errors.name}
                            />
                            <Field
                              label="Description"
                              name="description"
                              defaultValue={topic.description ?? ""}
                              maxLength={2000}
                            />
                            <button
                              type="submit"
                              name="intent"
                              value="update"
                              className="small secondary"
                            >
                              Save
                            </button>
                            <Link to={`/admin/frameworks/${framework.id}/topics/${topic.id}`}>
                              Levels
                            </Link>
                          </>
                        )}
                      </RowForm>
                    </td>
                    <td>
                      <Form method="post" className="inline-form">
                        <input type="hidden" name="topicId" value={topic.id} />
                        <button
                          type="submit"
                          name="intent"
                          value="up"
                          className="small secondary"
                          disabled={i === 0}
                          aria-label={`Move ${topic.name} up`}
                        >
                          ↑
                        </button>
                        <button
                          type="submit"
                          name="intent"
                          value="down"
                          className="small secondary"
                          disabled={i === category.topics.length - 1}
                          aria-label={`Move ${topic.name} down`}
                        >
                          ↓
                        </button>
                      </Form>
                    </td>
                    <td>
                      <Form method="post">
                        <input type="hidden" name="topicId" value={topic.id} />
                        {topic.retired ? (
                          <>
                            <span className="badge warning">Retired</span>{" "}
                            <button
                              type="submit"
                              name="intent"
                              value="restore"
                              className="small secondary"
                            >
                              Restore
                            </button>
                          </>
                        ) : (
                          <button
                            type="submit"
                            name="intent"
                            value="retire"
                            className="small danger"
                          >
                            Retire
                          </button>
                        )}
                      </Form>
                      {categories.length > 1 ? (
                        <Form method="post" className="inline-form">
                          <input type="hidden" name="topicId" value={topic.id} />
                          <select
                            name="categoryId"
                            aria-label={`Move ${topic.name} to category`}
                            defaultValue=""
                          >
                            <option value="" disabled>
                              Move to…
                            </option>
                            {categories
                              .filter((other) => other.id !== category.id)
                              .map((other) => (
                                <option key={other.id} value={other.id}>
                                  {other.name}
                                </option>
                              ))}
                          </select>
                          <button
                            type="submit"
                            name="intent"
                            value="recategorise"
                            className="small secondary"
                          >
                            Move
                          </button>
                        </Form>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <RowForm label={`Add a topic to ${category.name}`}>
            {(errors) => (
              <>
                <input type="hidden" name="categoryId" value={category.id} />
                <Field label="New topic" name="name" required maxLength={200} error={errors.name} />
                <Field
                  label="Description"
                  name="description"
                  maxLength={2000}
                  error={errors.description}
                />
                <button type="submit" name="intent" value="add" className="small">
                  Add topic
                </button>
              </>
            )}
          </RowForm>
        </section>
      ))}
      <section className="card" aria-labelledby="new-category">
        <h2 id="new-category">New category</h2>
        <Form method="post" className="inline-form">
          <Field label="Name" name="name" required maxLength={200} />
          <Field label="Description" name="description" maxLength={2000} />
          <button type="submit" name="intent" value="add-category" className="small">
            Add category
          </button>
        </Form>
      </section>
      <section className="card" aria-labelledby="profiles">
        <h2 id="profiles">Target profiles</h2>
        <p className="muted">
          Each profile sets a target level and priority per topic; members are assigned one on the
          members page. Order them from junior to senior: a member&apos;s next level is the profile
          after theirs.
        </p>
        <ul>
          {profiles.map((p, i) => (
            <li key={p.id}>
              <Link to={`/admin/frameworks/${framework.id}/profiles/${p.id}`}>{p.name}</Link>{" "}
              <Form method="post" className="inline-form" style={{ display: "inline-flex" }}>
                <input type="hidden" name="profileId" value={p.id} />
                <button
                  type="submit"
                  name="intent"
                  value="profile-up"
                  className="small secondary"
                  disabled={i === 0}
                  aria-label={`Move ${p.name} earlier (a lower level)`}
                >
                  ↑
                </button>
                <button
                  type="submit"
                  name="intent"
                  value="profile-down"
                  className="small secondary"
                  disabled={i === profiles.length - 1}
                  aria-label={`Move ${p.name} later (a higher level)`}
                >
                  ↓
                </button>
              </Form>
            </li>
          ))}
        </ul>
        <Form method="post" className="inline-form" aria-label="Add a target profile">
          <Field label="New profile" name="name" required maxLength={80} />
          <button type="submit" name="intent" value="add-profile" className="small">
            Add profile
          </button>
        </Form>
      </section>
      <section className="card" aria-labelledby="versions">
        <h2 id="versions">Versions</h2>
        <ul>
          {versions.map((v) => (
            <li key={v.id}>
              v{v.number} · {date(v.created_at)}
              {v.created_by ? ` · ${v.created_by}` : ""}
              {v.note ? ` · ${v.note}` : ""}
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}

/** A small form posting in place, with its field errors beside its own fields. */
function RowForm({
  label,
  children,
}: {
  label: string;
  children: (errors: Record<string, string>) => ReactNode;
}) {
  const fetcher = useFetcher<typeof action>();
  const failure = failureOf(fetcher.data);
  const saved = fetcher.data && "message" in fetcher.data ? fetcher.data.message : null;
  return (
    <fetcher.Form method="post" className="inline-form" aria-label={label}>
      {children(failure?.fieldErrors ?? {})}
      <span aria-live="polite">
        {failure?.formError ? (
          <span className="field-error" role="alert">
            {failure.formError}
          </span>
        ) : saved ? (
          <span className="muted">{saved}</span>
        ) : null}
      </span>
    </fetcher.Form>
  );
}
