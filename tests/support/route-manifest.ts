import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import { ensureBuild } from "./app-server";

// Every route of the production build, from Remix's own route manifest, so a route added
// to app/routes is in the security matrices without anyone listing it.

type RouteFn = (args: never) => unknown;

export interface AppRoute {
  /** The file name under app/routes, without extension: "_app.admin.members.$memberId". */
  id: string;
  /** The URL pattern: "/admin/members/:memberId". */
  pattern: string;
  loader?: RouteFn;
  action?: RouteFn;
}

export async function appRoutes(): Promise<AppRoute[]> {
  await ensureBuild();
  const build = (await import(
    pathToFileURL(path.resolve("build/server/index.js")).href
  )) as ServerBuild;
  const fullPath = (id: string): string => {
    const route = build.routes[id];
    if (!route) return "";
    const own = route.path ?? "";
    const parent = route.parentId ? fullPath(route.parentId) : "";
    return [parent, own].filter(Boolean).join("/");
  };
  return Object.values(build.routes)
    .filter((route) => route.id !== "root" && (route.module.loader || route.module.action))
    .map((route) => ({
      id: route.id.replace(/^routes\//, ""),
      pattern: `/${fullPath(route.id)}`,
      loader: route.module.loader as RouteFn | undefined,
      action: route.module.action as RouteFn | undefined,
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** Pages a browser shows: not the CSV downloads, probes, form-only routes or the API. */
export const isPage = (route: AppRoute) =>
  Boolean(route.loader) &&
  !/\[\.(csv|tar\.gz)\]$|^(healthz|readyz|logout|orgs\.switch)$|^api\.v1\.\$$/.test(route.id);

/** The pattern with each `:param` filled from `values`; throws on a param it has no value for. */
export function fillPattern(pattern: string, values: Record<string, string>) {
  const params: Record<string, string> = {};
  const url = pattern.replace(/:(\w+)/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for :${name} in ${pattern}`);
    params[name] = value;
    return encodeURIComponent(value);
  });
  return { url, params };
}
