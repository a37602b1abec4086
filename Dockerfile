# syntax=docker/dockerfile:1

# Forgecast runtime image: one image for every role (api, pipelines, forecasting, alerting) and
# for one-shot commands such as `migrate`; FORGECAST_ROLES picks what a container runs.
# TypeScript runs through tsx, which is a runtime dependency, so there is no compile stage: the
# image holds the production node_modules and the source folders.
#
# Node 20 matches package.json "engines" (>=20.19) and the toolchain the test suite runs on.
# Override with --build-arg NODE_IMAGE=… (for example to pin a digest).
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# ---- deps: production dependencies only, exactly as locked ------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# `--omit=dev` is enough because tsx is a runtime dependency.
# Optional dependencies must stay: esbuild (used by tsx) ships its platform binary as one, and so
# does chdb (the embedded ClickHouse engine, @chdb/lib-linux-*-gnu, about 0.5 GB). chDB is only
# used in embedded mode, but the package is a regular dependency and stays installable.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --no-audit --no-fund

# ---- runtime ------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime

LABEL org.opencontainers.image.title="forgecast" \
      org.opencontainers.image.description="Streaming data platform for manufacturers: ERP records → Kafka/Avro → ClickHouse → forecasts and alerts"

# HOST: listen on all interfaces inside the container (the default 127.0.0.1 would be unreachable
# through a published port). FORGECAST_DATA_DIR: the one writable directory (embedded adapters,
# outbox for mail/Slack when those services are not configured).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    FORGECAST_DATA_DIR=/data

WORKDIR /app

# Code and dependencies stay owned by root: the service user can read them but not change them.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY schemas ./schemas
COPY infra ./infra
COPY connectors ./connectors
COPY pipelines ./pipelines
COPY forecasting ./forecasting
COPY alerting ./alerting

# Created here and owned by `node` so that a named volume mounted on /data starts out writable.
RUN mkdir -p /data && chown node:node /data

# The official Node image ships the unprivileged `node` user (uid 1000).
USER node

EXPOSE 8080

# No curl in the slim image; Node 20 has fetch built in. Follows PORT if it is overridden.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]

# Exec form, no shell in between: node gets SIGTERM on `docker stop` (directly as PID 1, or from
# tini under `docker run --init` / compose `init: true`) and runs its orderly shutdown (resources
# released last-in-first-out within FORGECAST_SHUTDOWN_TIMEOUT_MS).
CMD ["node", "infra/cli/forgecast.js", "start"]
