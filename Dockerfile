# syntax=docker/dockerfile:1
# deltaglider-proxy: S3 endpoint that stores versioned binaries as deltas.
#   docker build -t deltaglider-proxy .
#   docker run -e DGP_ACCESS_KEY_ID=mykey -e DGP_SECRET_ACCESS_KEY=mysecret \
#     -p 9000:9000 -p 9001:9001 -v dgdata:/data deltaglider-proxy
# It listens on 0.0.0.0 inside the container, which without credentials is refused
# (exit 2): for a throwaway local container without auth, opt in and publish on the
# host's loopback only:
#   docker run -e DGP_ALLOW_OPEN_ACCESS=true -p 127.0.0.1:9000:9000 -p 127.0.0.1:9001:9001 deltaglider-proxy
# Configuration: DGP_* environment variables (docs/OPERATIONS.md, or --help).

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
# xdelta3: the faster, tighter codec (DGP_CODEC=auto picks it); openssl: self-signed TLS.
RUN apt-get update \
 && apt-get install -y --no-install-recommends xdelta3 openssl \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    DGP_DATA_DIR=/data \
    DGP_LISTEN_ADDR=0.0.0.0:9000 \
    DGP_TEMP_DIR=/tmp/deltaglider
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN groupadd --system deltaglider \
 && useradd --system --gid deltaglider --home-dir /data --shell /usr/sbin/nologin deltaglider \
 && mkdir -p /data /tmp/deltaglider \
 && chown deltaglider:deltaglider /data /tmp/deltaglider
USER deltaglider
VOLUME /data
EXPOSE 9000 9001
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9000/_/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/reverse-proxy/cli.js"]
