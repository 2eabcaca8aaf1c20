# syntax=docker/dockerfile:1
# Every Nudge image, from this one Dockerfile:
#   one per function (the default, last stage): `--build-arg FUNCTION=<name>`
#   the web app:                               `--target web`
# Multi-arch: built for linux/amd64 and linux/arm64 by buildx (the build stages run on the
# builder's own platform; the bundles are plain JavaScript, so only the runtime stages are per-arch).
ARG NODE_IMAGE=node:24-alpine

FROM --platform=$BUILDPLATFORM ${NODE_IMAGE} AS deps
# bundle.sh is a bash script; Alpine ships only busybox sh.
RUN apk add --no-cache bash
WORKDIR /src
# The whole workspace (package.json lists every workspace; .dockerignore trims the context).
COPY . .
RUN npm ci --ignore-scripts --no-audit --no-fund

FROM deps AS web-build
# The Vite build (content-hashed files) beside the bundled static server (web/server/serve.ts).
RUN bash scripts/bundle.sh web && mv dist/web /app

FROM deps AS build
ARG FUNCTION
# One self-contained file (the function's app, its Node server and every dependency inlined), plus the
# migration CLI the migrate Job runs.
RUN test -n "$FUNCTION" && bash scripts/bundle.sh "$FUNCTION" \
  && mv "dist/$FUNCTION" /app

# The web app: static files, the SPA fallback and /config.json from the environment (API_URL,
# OIDC_ISSUER, OIDC_CLIENT_ID), so one image serves every environment (docs/web.md).
FROM ${NODE_IMAGE} AS web
ENV NODE_ENV=production \
  PORT=8080
WORKDIR /app
COPY --from=web-build --chown=root:root /app /app
# The image's `node` user (uid 1000); no write access to /app.
USER 1000:1000
EXPOSE 8080
ENTRYPOINT ["node", "/app/server/main.mjs"]

FROM ${NODE_IMAGE} AS function
ARG FUNCTION
ENV NODE_ENV=production \
  PORT=8080
WORKDIR /app
COPY --from=build --chown=root:root /app /app
# The image's `node` user (uid 1000); no write access to /app.
USER 1000:1000
EXPOSE 8080
# No --enable-source-maps: it roughly doubles idle RSS (85 -> 170 MiB, bench cold-start); set
# NODE_OPTIONS=--enable-source-maps on a pod when readable stack traces are worth the memory.
ENTRYPOINT ["node", "/app/main.mjs"]
