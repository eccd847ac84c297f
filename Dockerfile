# syntax=docker/dockerfile:1
# Pipeline Doctor image: `docker build -t pipeline-doctor .`, or through docker-compose.yml.
# Runs `node bin/pipeline-doctor.js <command>` (default: run) as the unprivileged `node` user.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: full install (TypeScript), compile src/ to dist/ --------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# patches/: fixes to dependencies, applied by the postinstall script (patch-package).
COPY package.json package-lock.json ./
COPY patches ./patches
RUN --mount=type=cache,target=/root/.npm npm install --no-save --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# tsc emits only .js; copy the non-TypeScript files that live beside the code (SQL, JSON, ...)
# so that paths resolved relative to a module also work from dist/.
RUN npm run build \
 && cd src && find . -type f ! -name '*.ts' -exec cp --parents {} ../dist/ \;

# ---- prod-deps: runtime dependencies only ---------------------------------------------------
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches ./patches
RUN --mount=type=cache,target=/root/.npm npm install --no-save --omit=dev --no-audit --no-fund

# ---- runtime ---------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PD_HTTP_HOST=0.0.0.0 \
    PD_HTTP_PORT=9464
WORKDIR /app
# Project files the CLI reads at run time (topics/, schemas/, knowledge base, ...); what is not
# needed is left out by .dockerignore. dist/ and node_modules/ come from the stages above.
COPY --chown=root:root . .
COPY --from=prod-deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
# The only writable place: local state (.stack: caches, models); mount a volume on it.
RUN mkdir -p /app/.stack && chown node:node /app/.stack
USER node
EXPOSE 9464
ENTRYPOINT ["node", "bin/pipeline-doctor.js"]
CMD ["run"]
