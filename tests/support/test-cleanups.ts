// What a test started (a process, a server, a database) and asked to have stopped after it,
// newest first. The hook is registered by the setup file, which runs for every test file, so
// it holds however test files share this module.
const cleanups: (() => Promise<unknown>)[] = [];

/** Runs `cleanup` after the current test, newest first. */
export function afterThisTest(cleanup: () => Promise<unknown>) {
  cleanups.push(cleanup);
}

export async function runTestCleanups() {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}
