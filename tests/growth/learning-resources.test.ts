import { describe, expect, it } from "vitest";
import { db } from "#db/database";
import { readFrameworkCsv } from "~/modules/frameworks/framework-csv";
import { parseMarkdownOutline } from "~/modules/frameworks/markdown-outline";
import * as exportRoute from "~/routes/admin.frameworks.$frameworkId[.csv]";
import * as importRoute from "~/routes/_app.admin.frameworks.import";
import * as topicRoute from "~/routes/_app.admin.frameworks.$frameworkId_.topics.$topicId";
import { createOrgWithAdmin } from "../support/factories";
import { buildRequest, call } from "../support/remix";

// Learning links on topics: kept in the topic editor, carried by the Markdown and CSV imports
// and by the CSV export.

const MARKDOWN = `# Cloud
- Kubernetes
  - [Kubernetes docs](https://kubernetes.io/docs) (level 3)
  - [Operators](https://example.com/operators)
- Terraform
`;

function importText(cookie: string, name: string, text: string, fileName?: string) {
  const body = new FormData();
  body.append("intent", "save");
  body.append("name", name);
  if (fileName) body.append("file", new File([text], fileName));
  else body.append("text", text);
  return call(
    importRoute.action as never,
    new Request("http://localhost:3000/admin/frameworks/import", {
      method: "POST",
      headers: { Cookie: cookie },
      body,
    }),
  );
}

const exportCsv = (cookie: string, frameworkId: string) =>
  call<string>(
    exportRoute.loader as never,
    buildRequest(`/admin/frameworks/${frameworkId}.csv`, { cookie }),
    { frameworkId },
  );

describe("learning links in the Markdown and CSV formats", () => {
  it("reads a link alone under a topic as that topic's learning link", () => {
    const outline = parseMarkdownOutline(MARKDOWN);
    expect(outline.categories[0]!.topics).toEqual([
      {
        name: "Kubernetes",
        resources: [
          { title: "Kubernetes docs", url: "https://kubernetes.io/docs", level: 3 },
          { title: "Operators", url: "https://example.com/operators", level: null },
        ],
      },
      { name: "Terraform" },
    ]);
  });

  it("reads the CSV resources column, and names the row of a link that is not http(s)", () => {
    const good = readFrameworkCsv(
      'category,topic,resources\nCloud,Kubernetes,"Docs | https://kubernetes.io/docs | 3\nBlog | https://example.com"\n',
    );
    expect(good.ok && good.outline.categories[0]!.topics[0]!.resources).toEqual([
      { title: "Docs", url: "https://kubernetes.io/docs", level: 3 },
      { title: "Blog", url: "https://example.com", level: null },
    ]);
    const bad = readFrameworkCsv(
      "category,topic,resources\nCloud,Kubernetes,Docs | javascript:alert(1)\n",
    );
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.errors[0]).toMatch(
      /^Row 2: resource "Docs \| javascript:alert\(1\)" must be/,
    );
  });

  it("imports Markdown with links, exports them in CSV, and a CSV import brings them back", async () => {
    const { admin } = await createOrgWithAdmin();
    const saved = await importText(admin.cookie, "Cloud skills", MARKDOWN);
    const frameworkId = saved.headers.get("Location")!.split("/").pop()!;
    const csv = (await exportCsv(admin.cookie, frameworkId)).data;
    const [header] = csv.replace(/^\uFEFF/, "").split("\n");
    expect(header).toBe(
      "category,kind,topic,description,Default target,Default priority,resources",
    );
    expect(csv).toContain(
      '"Kubernetes docs | https://kubernetes.io/docs | 3\nOperators | https://example.com/operators"',
    );

    const again = await importText(admin.cookie, "Cloud skills again", csv, "cloud.csv");
    const againId = again.headers.get("Location")!.split("/").pop()!;
    const links = await db
      .selectFrom("topic_resources as r")
      .innerJoin("topics as t", "t.id", "r.topic_id")
      .select(["r.title", "r.url", "r.level"])
      .where("t.framework_id", "=", againId)
      .orderBy("r.position")
      .execute();
    expect(links).toEqual([
      { title: "Kubernetes docs", url: "https://kubernetes.io/docs", level: 3 },
      { title: "Operators", url: "https://example.com/operators", level: null },
    ]);
  });
});

describe("learning links in the topic editor", () => {
  it("adds a link, refuses a non-http address beside the field, and removes a link", async () => {
    const { admin } = await createOrgWithAdmin();
    const saved = await importText(admin.cookie, "Cloud", "# Cloud\n- Kubernetes\n");
    const frameworkId = saved.headers.get("Location")!.split("/").pop()!;
    const topic = await db
      .selectFrom("topics")
      .select("id")
      .where("framework_id", "=", frameworkId)
      .executeTakeFirstOrThrow();
    const params = { frameworkId, topicId: topic.id };
    const path = `/admin/frameworks/${frameworkId}/topics/${topic.id}`;
    const post = (form: Record<string, string>) =>
      call<{ fieldErrors?: Record<string, string> }>(
        topicRoute.action as never,
        buildRequest(path, { cookie: admin.cookie, form }),
        params,
      );
    const load = async () =>
      (
        await call<{ resources: { id: string; title: string }[] }>(
          topicRoute.loader as never,
          buildRequest(path, { cookie: admin.cookie }),
          params,
        )
      ).data.resources;

    expect(
      (
        await post({
          intent: "add-resource",
          title: "Docs",
          url: "https://kubernetes.io/docs",
          level: "",
        })
      ).status,
    ).toBe(200);
    const bad = await post({
      intent: "add-resource",
      title: "Trap",
      url: "javascript:alert(1)",
      level: "2",
    });
    expect(bad.status).toBe(422);
    expect(bad.data.fieldErrors?.url).toBe("The address must start with http:// or https://.");
    const outOfRange = await post({
      intent: "add-resource",
      title: "Deep",
      url: "https://example.com",
      level: "7",
    });
    expect(outOfRange.data.fieldErrors?.level).toMatch(/0 to 4/);
    const links = await load();
    expect(links.map((l) => l.title)).toEqual(["Docs"]);
    expect((await post({ intent: "remove-resource", resourceId: links[0]!.id })).status).toBe(200);
    expect(await load()).toEqual([]);
  });
});
