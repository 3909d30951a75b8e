import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { FormError, failureOf, FormSuccess, successOf } from "~/components/forms";
import { handleFormErrors, loadOrRespond } from "~/lib/errors.server";
import { parseFormData, readForm } from "~/lib/forms.server";
import { clientIp } from "~/lib/request.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { PRIORITIES, PRIORITY_LABEL } from "~/modules/frameworks/priorities";
import {
  TargetSchema,
  bulkSetCategoryTargets,
  getProfileTargets,
  parseTargetGrid,
  saveProfileTargets,
} from "~/modules/frameworks/target-profiles.server";

export const meta: MetaFunction = () => [{ title: "Target profile · Gapmap" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  return loadOrRespond(() =>
    getProfileTargets(ctx.organization.id, params.frameworkId ?? "", params.profileId ?? ""),
  );
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  const frameworkId = params.frameworkId ?? "";
  const profileId = params.profileId ?? "";
  const ip = clientIp(context);
  return handleFormErrors(async () => {
    const form = await readForm(request);
    const outcome =
      form.get("intent") === "bulk"
        ? await (async () => {
            const { categoryId, ...target } = parseFormData(
              form,
              TargetSchema.extend({ categoryId: z.uuid({ error: "Unknown category." }) }),
            );
            return bulkSetCategoryTargets(ctx, frameworkId, profileId, categoryId, target, ip);
          })()
        : await saveProfileTargets(ctx, frameworkId, profileId, parseTargetGrid(form), ip);
    return {
      ok: true as const,
      message: outcome.newVersion
        ? "Targets saved in a new framework version (the previous one is used by a cycle)."
        : "Targets saved.",
    };
  });
}

const LEVELS = [0, 1, 2, 3, 4];

export default function ProfileTargets() {
  const { profile, framework, categories } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const failure = failureOf(result);
  const errors = failure?.fieldErrors ?? {};
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Targets: {profile.name}</h1>
          <p>
            The level and priority expected of people on this profile, per topic of{" "}
            <Link to={`/admin/frameworks/${framework.id}`}>{framework.name}</Link>.
          </p>
        </div>
      </div>
      <div aria-live="polite">
        <FormSuccess message={successOf(result)} />
        <FormError failure={failure} />
      </div>
      {categories.map((category) => (
        <section key={category.id} className="card" aria-labelledby={`cat-${category.id}`}>
          <h2 id={`cat-${category.id}`}>{category.name}</h2>
          <Form
            method="post"
            className="inline-form"
            aria-label={`Set every topic of ${category.name}`}
          >
            <input type="hidden" name="categoryId" value={category.id} />
            <label>
              Whole category: level{" "}
              <select name="level" defaultValue="3">
                {LEVELS.map((l) => (
                  <option key={l}>{l}</option>
                ))}
              </select>
            </label>
            <label>
              priority{" "}
              <select name="priority" defaultValue="must_have">
                {PRIORITIES.map((p) => (
                  <option key={p} value={p}>
                    {PRIORITY_LABEL[p]}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit" name="intent" value="bulk" className="small secondary">
              Apply to all {category.topics.length}
            </button>
          </Form>
          <Form method="post">
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Topic</th>
                    <th scope="col">Target level</th>
                    <th scope="col">Priority</th>
                  </tr>
                </thead>
                <tbody>
                  {category.topics.map((t) => (
                    <tr key={`${t.id}-${t.level}-${t.priority}`}>
                      <th scope="row">{t.name}</th>
                      <td>
                        <select
                          name={`level.${t.id}`}
                          defaultValue={String(t.level ?? 2)}
                          aria-label={`Target level for ${t.name}`}
                          aria-invalid={errors[`level.${t.id}`] ? true : undefined}
                        >
                          {LEVELS.map((l) => (
                            <option key={l}>{l}</option>
                          ))}
                        </select>
                        {errors[`level.${t.id}`] ? (
                          <span className="field-error">{errors[`level.${t.id}`]}</span>
                        ) : null}
                      </td>
                      <td>
                        <select
                          name={`priority.${t.id}`}
                          defaultValue={t.priority ?? "good_to_have"}
                          aria-label={`Priority for ${t.name}`}
                          aria-invalid={errors[`priority.${t.id}`] ? true : undefined}
                        >
                          {PRIORITIES.map((p) => (
                            <option key={p} value={p}>
                              {PRIORITY_LABEL[p]}
                            </option>
                          ))}
                        </select>
                        {errors[`priority.${t.id}`] ? (
                          <span className="field-error">{errors[`priority.${t.id}`]}</span>
                        ) : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <button type="submit" name="intent" value="save" className="small">
              Save {category.name}
            </button>
          </Form>
        </section>
      ))}
    </>
  );
}
