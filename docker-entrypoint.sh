#!/bin/sh
# exec, so the process gets SIGTERM directly and shuts down gracefully; tsx as a loader, not
# its CLI, so the app itself is the container's main process (no extra parent in between).
set -e
case "$1" in
  # The web process keeps V8's old generation to 128 MB unless NODE_OPTIONS says otherwise:
  # left to itself on a large machine, V8 lets the heap grow to ~400 MB under load before
  # collecting, for a working set under 100 MB (README, "Performance").
  web) export NODE_OPTIONS="${NODE_OPTIONS:---max-old-space-size=128}"; exec node --import tsx server.ts ;;
  worker) exec node --import tsx jobs/run-worker.ts ;;
  migrate) exec node --import tsx db/migrate.ts ;;
  seed) shift; exec node --import tsx seeds/run.ts "$@" ;;
  *) exec "$@" ;;
esac
