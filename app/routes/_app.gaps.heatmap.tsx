import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { Heatmap } from "~/components/heatmap";
import { heatmapPayload } from "~/modules/gaps/heatmap-payload";
import { loadOrRespond } from "~/lib/errors.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { filtersQuery, resolveGapScope } from "~/modules/gaps/gap-scope.server";
import { HEATMAP_ORDERS, packedHeatmap } from "~/modules/gaps/team-gaps.server";

// A malformed page or order in a shared link falls back to the first page by name.
const ViewSchema = z.object({
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
  order: z.enum(HEATMAP_ORDERS).catch("name"),
  axis: z.enum(["people", "topics"]).catch("people"),
});

export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "lead");
  const params = new URL(request.url).searchParams;
  const view = ViewSchema.parse({
    page: params.get("page") ?? undefined,
    order: params.get("order") ?? undefined,
    axis: params.get("axis") ?? undefined,
  });
  return loadOrRespond(async () => {
    const { scope, filters } = await resolveGapScope(ctx, params);
    const map = await packedHeatmap(scope, view);
    return {
      query: filtersQuery(filters),
      order: view.order,
      axis: view.axis,
      map: heatmapPayload(map),
    };
  });
}

export default function HeatmapPage() {
  const { query, order, axis, map } = useLoaderData<typeof loader>();
  if (map.totalMembers === 0) return <p className="empty-state">Nobody is in this view yet.</p>;
  const view = (changes: { order?: string; axis?: string; page?: number }) =>
    `/gaps/heatmap${query}&order=${changes.order ?? order}&axis=${changes.axis ?? axis}${changes.page ? `&page=${changes.page}` : ""}`;
  const pageLink = (page: number) => view({ page });
  return (
    <section className="card" aria-labelledby="heatmap-heading">
      <h2 id="heatmap-heading">Heatmap</h2>
      <p className="heatmap-order">
        Order:{" "}
        {order === "name" ? (
          <strong aria-current="true">by name</strong>
        ) : (
          <Link to={view({ order: "name" })}>by name</Link>
        )}{" "}
        ·{" "}
        {order === "gap" ? (
          <strong aria-current="true">furthest below target first</strong>
        ) : (
          <Link to={view({ order: "gap" })}>furthest below target first</Link>
        )}{" "}
        · Layout:{" "}
        {axis === "people" ? (
          <strong aria-current="true">people × topics</strong>
        ) : (
          <Link to={view({ axis: "people", page: map.page })}>people × topics</Link>
        )}{" "}
        ·{" "}
        {axis === "topics" ? (
          <strong aria-current="true">topics × people</strong>
        ) : (
          <Link to={view({ axis: "topics", page: map.page })}>topics × people</Link>
        )}
      </p>
      <Heatmap map={map} query={query} axis={axis} />
      {map.pages > 1 ? (
        <nav className="pagination" aria-label="Heatmap pages">
          {map.page > 1 ? <Link to={pageLink(map.page - 1)}>← Previous</Link> : null}
          <span>
            People {(map.page - 1) * (map.pageSize ?? 0) + 1}–
            {Math.min(map.page * (map.pageSize ?? 0), map.totalMembers)} of {map.totalMembers} (page{" "}
            {map.page} of {map.pages})
          </span>
          {map.page < map.pages ? <Link to={pageLink(map.page + 1)}>Next →</Link> : null}
        </nav>
      ) : null}
    </section>
  );
}
