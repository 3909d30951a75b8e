#!/bin/sh
# The image's commands (README, Production). exec, so the app is the process tini signals.
# Until the app has set up its graceful SIGTERM/SIGINT handlers (the moment it is ready), a
# stop ends it at once through the signal's default action, which tini reports as a clean
# exit: loading the app's modules keeps Node's event loop busy, so no JavaScript handler
# could answer sooner.
set -e

# The image runs the entry points compiled (build/node/, scripts/package-production.ts); a
# checkout (the worker test, the bench) runs them from source.
entry() {
  if [ -f "build/node/$1.js" ]; then echo "node build/node/$1.js"; else echo "node --import tsx $2"; fi
}

needs_database() {
  if [ -z "${DATABASE_URL:-}" ]; then
    echo "gapmap: DATABASE_URL is not set. The image runs against your PostgreSQL" \
      "(DATABASE_URL=postgres://user:pass@host:5432/db); the embedded database of \`npm start\`" \
      "is not in it (README, Production)." >&2
    exit 1
  fi
}

case "$1" in
  # The web process keeps V8's old generation to 128 MB unless NODE_OPTIONS says otherwise:
  # left to itself on a large machine, V8 lets the heap grow to ~400 MB under load before
  # collecting, for a working set under 100 MB (README, "Performance").
  web)
    needs_database
    shift
    export NODE_OPTIONS="${NODE_OPTIONS:---max-old-space-size=128}"
    exec $(entry server server.ts) "$@" ;;
  worker)
    if [ "$2" = "--check" ]; then exec node jobs/check-worker.mjs; fi
    needs_database
    exec $(entry worker jobs/run-worker.ts) ;;
  migrate) needs_database; exec $(entry migrate db/migrate.ts) ;;
  seed) needs_database; shift; exec $(entry seed seeds/run.ts) "$@" ;;
  # The image's HEALTHCHECK: the check of the command this container runs, read from PID 1's
  # arguments (tini … ./docker-entrypoint.sh worker): the worker's heartbeat, else the web
  # process's /readyz.
  check)
    case " $(tr '\0' ' ' < /proc/1/cmdline)" in
      *" worker "*) exec node jobs/check-worker.mjs ;;
    esac
    exec node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/readyz', { signal: AbortSignal.timeout(4000) })
      .then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))" ;;
  *) exec "$@" ;;
esac
