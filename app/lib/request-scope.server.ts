import { AsyncLocalStorage } from "node:async_hooks";

// Work done once per page request: a document GET runs several route loaders (the app
// shell, a layout, the page), each of which asks who is signed in and, in the gap view,
// which scope to show. Inside a request scope the first caller's answer is shared with the
// others. Only reads are memoised, and only for GET and HEAD requests, so an action never
// sees an answer from before its own writes. Outside a scope (tests calling a loader
// directly, the worker) everything is computed as usual.
//
// The Express layer (this module, loaded by server.ts) and the Remix server bundle (its own
// copy of the app's modules) must share one AsyncLocalStorage: it lives on globalThis.

type Scope = Map<string, Promise<unknown>>;
const KEY = Symbol.for("gapmap.requestScope");
const holder = globalThis as typeof globalThis & { [KEY]?: AsyncLocalStorage<Scope> };
const storage = (holder[KEY] ??= new AsyncLocalStorage<Scope>());

/** Runs `next` (the rest of the request's handling) in a fresh request scope. */
export function runInRequestScope<T>(next: () => T): T {
  return storage.run(new Map(), next);
}

/** `compute()`'s answer, shared with every later call with the same key in this request. */
export function memoInRequest<T>(key: string, compute: () => Promise<T>): Promise<T> {
  const scope = storage.getStore();
  if (!scope) return compute();
  let answer = scope.get(key) as Promise<T> | undefined;
  if (!answer) {
    answer = compute();
    scope.set(key, answer);
    // A failure (a redirect to log in, say) is not shared: each caller meets its own.
    answer.catch(() => scope.delete(key));
  }
  return answer;
}
