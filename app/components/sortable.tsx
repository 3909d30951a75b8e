import { Link, useLocation, useSearchParams } from "@remix-run/react";

// A table sorted by one column, the choice kept in the URL (`?sort-<table>=<column>.<asc|desc>`)
// so a sorted view can be shared, reloaded and used without JavaScript: each column header is
// a link (keyboard: Tab to it, Enter), and the server renders the rows in the chosen order.

type Value = string | number | null | undefined;
type Direction = "asc" | "desc";

/** Nulls last in either direction; numbers as numbers, text by the reader's alphabet. */
function compare(a: Value, b: Value): number {
  if (a == null || b == null) return a == null ? (b == null ? 0 : 1) : -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true, sensitivity: "base" });
}

export function useSortedRows<T, K extends string>(
  table: string,
  rows: readonly T[],
  columns: Record<K, (row: T) => Value>,
) {
  const [params] = useSearchParams();
  const { pathname } = useLocation();
  const param = `sort-${table}`;
  const [key, dir] = (params.get(param) ?? "").split(".") as [string, string | undefined];
  const active = key in columns ? (key as K) : null;
  const direction: Direction = dir === "desc" ? "desc" : "asc";
  const sorted = active
    ? rows
        .map((row, i) => ({ row, i }))
        .toSorted((a, b) => {
          const va = columns[active](a.row);
          const vb = columns[active](b.row);
          // Nulls stay last whichever way; ties keep the server's order.
          if (va == null || vb == null) return compare(va, vb) || a.i - b.i;
          return (direction === "asc" ? compare(va, vb) : compare(vb, va)) || a.i - b.i;
        })
        .map(({ row }) => row)
    : rows;

  /** The header cell of `column`: a link that sorts by it, or reverses the order if it already does. */
  function header(column: K, label: string) {
    const next = new URLSearchParams(params);
    next.set(param, `${column}.${active === column && direction === "asc" ? "desc" : "asc"}`);
    const sort = active === column ? (direction === "asc" ? "ascending" : "descending") : undefined;
    return (
      <th scope="col" aria-sort={sort}>
        <Link className="sort-link" to={`${pathname}?${next}`} replace preventScrollReset>
          {label}
          <span aria-hidden="true">
            {sort === "ascending" ? " ▲" : sort === "descending" ? " ▼" : " ↕"}
          </span>
        </Link>
      </th>
    );
  }
  return { sorted, header };
}
