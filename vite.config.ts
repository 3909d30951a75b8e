import { vitePlugin as remix } from "@remix-run/dev";
import { defineConfig } from "vite";
import tsconfigPaths from "vite-tsconfig-paths";

declare module "@remix-run/node" {
  interface Future {
    v3_singleFetch: true;
  }
}

export default defineConfig({
  plugins: [
    remix({
      future: {
        v3_fetcherPersist: true,
        v3_relativeSplatPath: true,
        v3_throwAbortReason: true,
        v3_singleFetch: true,
        // Off on purpose: with some 55 routes the whole route manifest is one small asset the
        // browser caches, while lazy discovery matches every route again in each page render
        // to inline a partial one (an eighth of the gap view's throughput, README
        // "Performance") and costs a /__manifest request on navigation.
        v3_lazyRouteDiscovery: false,
      },
    }),
    tsconfigPaths(),
  ],
  build: {
    rollupOptions: {
      onwarn(warning, warn) {
        // Resource routes (CSV exports, /healthz, /logout…) have no browser code, yet Remix
        // still gives each an (empty) client chunk: remix-run/remix#9055, closed unfixed.
        if (warning.code === "EMPTY_BUNDLE") return;
        warn(warning);
      },
    },
  },
});
