# One image, two long-running commands: `web` (default) and `worker` (README, Production).
# It needs DATABASE_URL: the embedded PostgreSQL of `npm start` is not in it.
#   docker run -e DATABASE_URL=… -e SESSION_SECRET=… -e APP_URL=… gapmap          web server on :3000
#   docker run -e DATABASE_URL=… -e SESSION_SECRET=… -e APP_URL=… gapmap worker   background job worker
# Layers run from the least to the most often changed: the lockfile's install is reused
# until package-lock.json changes.

FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# The app built, its Node entry points compiled, and only the files of node_modules they can
# load (scripts/package-production.ts): no TypeScript loader, embedded PostgreSQL, build tool
# or browser bundle of a package ships.
FROM deps AS build
COPY . .
RUN npm run build && node --import tsx scripts/package-production.ts /dist

FROM node:22-bookworm-slim
# tini as PID 1: it passes docker stop's SIGTERM on to the app and reaps zombies. The app
# ended by the signal itself, stopped while starting (docker-entrypoint.sh), counts as a
# clean exit (-e 143, 130: 128 + SIGTERM, SIGINT).
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
WORKDIR /app
ENV NODE_ENV=production PORT=3000 GAPMAP_HEARTBEAT_FILE=/tmp/gapmap-worker-heartbeat.json
COPY --from=build /dist ./
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s CMD ["./docker-entrypoint.sh", "check"]
ENTRYPOINT ["tini", "-e", "143", "-e", "130", "--", "./docker-entrypoint.sh"]
CMD ["web"]
