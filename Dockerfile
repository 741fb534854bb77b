# syntax=docker/dockerfile:1
# Provisioning Graph: `docker build -t provisioning-graph .` (README, "Run in production").

# Build: every dependency, to compile TypeScript (src/ and emulators/) into dist/.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY schema ./schema
COPY src ./src
COPY emulators ./emulators
RUN npm run build

# Runtime: production dependencies only, the compiled code and the schema it loads at start-up, as a user without root.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=4000 \
    DATA_DIR=/app/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY schema ./schema
# PGlite's directory when no DATABASE_URL is set; the image's `node` user owns it and nothing else.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 4000
# Liveness only (/healthz): the slim image has no curl, Node 20 has fetch.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node as PID 1 gets SIGTERM itself (main.ts drains); `docker run --init` adds a reaper when wanted.
CMD ["node", "dist/src/main.js"]
