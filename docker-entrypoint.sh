#!/bin/sh
# exec, so the process gets SIGTERM directly and shuts down gracefully.
set -e
case "$1" in
  web) exec node_modules/.bin/tsx server.ts ;;
  worker) exec node_modules/.bin/tsx jobs/run-worker.ts ;;
  migrate) exec node_modules/.bin/tsx db/migrate.ts ;;
  seed) shift; exec node_modules/.bin/tsx seeds/run.ts "$@" ;;
  *) exec "$@" ;;
esac
