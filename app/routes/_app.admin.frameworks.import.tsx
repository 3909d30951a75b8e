import type { TargetPriority } from "#db/schema";
import { redirectWithFlash } from "~/lib/flash.server";
import {
  data,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useId } from "react";
import { z } from "zod";
import { Field, FormError, failureOf } from "~/components/forms";
import { handleFormErrors } from "~/lib/errors.server";
import { parseFormData } from "~/lib/forms.server";
import { clientIp } from "~/lib/request.server";
import { requireMember } from "~/modules/accounts/auth.server";
import {
  DEFAULT_IMPORT_PROFILE,
  DEFAULT_IMPORT_TARGET,
  IMPORT_LIMITS,
  importSourceFrom,
  previewImport,
  readImportForm,
  saveImport,
  type ImportPreview,
} from "~/modules/frameworks/framework-import.server";
import { PRIORITY_LABEL } from "~/modules/frameworks/priorities";

export const meta: MetaFunction = () => [{ title: "Import a framework · Gapmap" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireMember(request, "admin");
  return {
    limits: IMPORT_LIMITS,
    defaults: { profile: DEFAULT_IMPORT_PROFILE, ...DEFAULT_IMPORT_TARGET },
  };
}

const IntentSchema = z.object({ intent: z.enum(["preview", "save"]) });

export async function action({ request, context }: ActionFunctionArgs) {
  const ctx = await requireMember(request, "admin");
  return handleFormErrors(async () => {
    const form = await readImportForm(request);
    const { intent } = parseFormData(form, IntentSchema);
    const source = await importSourceFrom(form);
    if (intent === "preview") {
      const result = previewImport(source);
      return result.ok ? result : data(result, { status: result.status });
    }
    const saved = await saveImport(ctx, { source, name: form.get("name") }, clientIp(context));
    return saved.ok
      ? redirectWithFlash(`/admin/frameworks/${saved.frameworkId}`, "Framework imported.")
      : data(saved, { status: saved.status });
  });
}

export default function ImportFramework() {
  const { limits, defaults } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const failure = failureOf(result);
  const preview = result && "preview" in result ? result.preview : undefined;
  const pasted =
    result && "text" in result ? result.text : preview && !preview.fileName ? preview.text : "";
  const busy = useNavigation().state === "submitting";
  const textId = useId();
  const textError = failure?.fieldErrors.text;

  return (
    <div className="framework-import">
      <div className="page-header">
        <div>
          <p>
            <Link to="/admin/frameworks">← Frameworks</Link>
          </p>
          <h1>Import a framework</h1>
          <p>
            Paste a Markdown list (headings become categories, list items become topics) or upload a
            Markdown or CSV file. You see a preview before anything is saved.
          </p>
        </div>
      </div>
      <FormError failure={failure} />

      <section className="card" aria-labelledby="source-heading">
        <h2 id="source-heading">Source</h2>
        <Form method="post" encType="multipart/form-data" className="stack" noValidate>
          <input type="hidden" name="intent" value="preview" />
          <div className="field">
            <label htmlFor={textId}>Paste Markdown</label>
            <textarea
              id={textId}
              name="text"
              rows={12}
              defaultValue={pasted}
              aria-invalid={textError ? true : undefined}
              aria-describedby={`${textId}-hint${textError ? ` ${textId}-error` : ""}`}
            />
            <span id={`${textId}-hint`} className="hint">
              Markdown or plain text, at most {limits.maxBytes / (1024 * 1024)} MB,{" "}
              {limits.maxCategories} categories and {limits.maxTopics} topics.
            </span>
            {textError ? (
              <span id={`${textId}-error`} className="field-error">
                {textError}
              </span>
            ) : null}
          </div>
          <Field
            type="file"
            label="Or upload a file"
            name="file"
            accept=".md,.markdown,.txt,.csv,text/markdown,text/plain,text/csv"
            error={failure?.fieldErrors.file}
            hint={
              <>
                A .md or .txt file (Markdown), or a .csv file with the columns <code>category</code>
                , <code>kind</code>, <code>topic</code>, <code>description</code> and, per target
                profile, <code>&lt;Profile&gt; target</code> (0–4) and{" "}
                <code>&lt;Profile&gt; priority</code> (must-have, good-to-have or advanced). A file
                takes precedence over pasted text.
              </>
            }
          />
          <div>
            <button type="submit" disabled={busy}>
              Preview
            </button>
          </div>
        </Form>
      </section>

      {preview ? (
        <PreviewSection
          preview={preview}
          nameError={failure?.fieldErrors.name}
          busy={busy}
          defaults={defaults}
          maxNameLength={limits.maxNameLength}
        />
      ) : null}
    </div>
  );
}

function PreviewSection({
  preview,
  nameError,
  busy,
  defaults,
  maxNameLength,
}: {
  preview: ImportPreview;
  nameError?: string;
  busy: boolean;
  defaults: { profile: string; level: number; priority: TargetPriority };
  maxNameLength: number;
}) {
  return (
    <section className="card" aria-labelledby="preview-heading">
      <h2 id="preview-heading">Preview</h2>
      <p role="status" aria-live="polite">
        <strong>{preview.summary}</strong> found in {preview.fileName ?? "the pasted text"}.
      </p>
      {preview.usesDefaultTargets ? (
        <p className="alert info">
          {preview.format === "csv" ? "The CSV has no target columns" : "Markdown has no targets"}:
          the framework gets one target profile, “{defaults.profile}”, with target level{" "}
          {defaults.level} and priority {PRIORITY_LABEL[defaults.priority]} for every topic. You can
          change them after saving.
        </p>
      ) : (
        <p>Target profiles: {preview.profiles.join(", ")}.</p>
      )}

      {/* The key resets the form's defaults when a new preview replaces the old one. */}
      <Form
        key={`${preview.suggestedName}:${preview.text.length}`}
        method="post"
        encType="multipart/form-data"
        className="inline-form import-save"
        noValidate
      >
        <input type="hidden" name="intent" value="save" />
        {/* The source goes back to the server, which parses it again before saving. */}
        <textarea name="text" hidden readOnly value={preview.text} />
        {preview.fileName ? <input type="hidden" name="fileName" value={preview.fileName} /> : null}
        <Field
          label="Framework name"
          name="name"
          defaultValue={preview.suggestedName}
          maxLength={maxNameLength}
          required
          error={nameError}
        />
        <button type="submit" disabled={busy}>
          Save as new framework
        </button>
      </Form>
      <p className="muted">
        It is saved as a new framework, not the default one: make it the default on the{" "}
        <Link to="/admin/frameworks">frameworks page</Link>.
      </p>

      {preview.categories.map((category, index) => (
        <section
          key={category.name}
          className="framework-category"
          aria-labelledby={`import-category-${index}`}
        >
          <h3 id={`import-category-${index}`}>
            {category.name}{" "}
            <span className={`badge${category.kind === "role_expectations" ? " lead" : ""}`}>
              {category.kind === "role_expectations" ? "Role expectations" : "Skills"}
            </span>{" "}
            <span className="muted">
              {category.topics.length} {category.topics.length === 1 ? "topic" : "topics"}
            </span>
          </h3>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Topic</th>
                  <th scope="col">Description</th>
                  {preview.profiles.map((profile) => (
                    <th key={profile} scope="col">
                      {profile}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {category.topics.map((topic) => (
                  <tr key={topic.name}>
                    <th scope="row">{topic.name}</th>
                    <td>{topic.description ?? ""}</td>
                    {preview.profiles.map((profile, i) => {
                      const target = topic.targets[i];
                      return (
                        <td key={profile}>
                          {target ? `${target.level} · ${PRIORITY_LABEL[target.priority]}` : "—"}
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ))}

      {preview.format === "markdown" ? (
        <section aria-labelledby="ignored-heading">
          <h3 id="ignored-heading">Ignored lines ({preview.ignored.length})</h3>
          {preview.ignored.length ? (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Line</th>
                    <th scope="col">Text</th>
                    <th scope="col">Why</th>
                  </tr>
                </thead>
                <tbody>
                  {preview.ignored.map((line, i) => (
                    <tr key={`${line.line}-${i}`}>
                      <td>{line.line}</td>
                      <td>{line.text}</td>
                      <td>{line.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p className="muted">Every line became a category or a topic.</p>
          )}
        </section>
      ) : null}
    </section>
  );
}
