import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { Heatmap } from "~/components/heatmap";
import { loadOrRespond } from "~/lib/errors.server";
import { requireMember } from "~/modules/accounts/auth.server";
import { filtersQuery, resolveGapScope } from "~/modules/gaps/gap-scope.server";
import { heatmap } from "~/modules/gaps/team-gaps.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const ctx = await requireMember(request, "lead");
  const params = new URL(request.url).searchParams;
  const page = Number.parseInt(params.get("page") ?? "1", 10);
  return loadOrRespond(async () => {
    const { scope, filters } = await resolveGapScope(ctx, params);
    const map = await heatmap(scope, { page: Number.isSafeInteger(page) && page > 0 ? page : 1 });
    return { query: filtersQuery(filters), map };
  });
}

export default function HeatmapPage() {
  const { query, map } = useLoaderData<typeof loader>();
  if (map.totalMembers === 0) return <p className="empty-state">Nobody is in this view yet.</p>;
  return (
    <section className="card" aria-labelledby="heatmap-heading">
      <h2 id="heatmap-heading">Heatmap</h2>
      <Heatmap map={map} query={query} />
      {map.pages > 1 ? (
        <nav className="pagination" aria-label="Heatmap pages">
          {map.page > 1 ? (
            <Link to={`/gaps/heatmap${query}&page=${map.page - 1}`}>← Previous</Link>
          ) : null}
          <span>
            People {(map.page - 1) * (map.pageSize ?? 0) + 1}–
            {Math.min(map.page * (map.pageSize ?? 0), map.totalMembers)} of {map.totalMembers} (page{" "}
            {map.page} of {map.pages})
          </span>
          {map.page < map.pages ? (
            <Link to={`/gaps/heatmap${query}&page=${map.page + 1}`}>Next →</Link>
          ) : null}
        </nav>
      ) : null}
    </section>
  );
}
