#!/bin/sh
# exec, so the process gets SIGTERM directly and shuts down gracefully; tsx as a loader, not
# its CLI, so the app itself is the container's main process (no extra parent in between).
set -e
case "$1" in
  web) exec node --import tsx server.ts ;;
  worker) exec node --import tsx jobs/run-worker.ts ;;
  migrate) exec node --import tsx db/migrate.ts ;;
  seed) shift; exec node --import tsx seeds/run.ts "$@" ;;
  *) exec "$@" ;;
esac
