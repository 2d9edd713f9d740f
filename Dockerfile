# syntax=docker/dockerfile:1

# Weaverse container image: one static binary (pure-Go SQLite, no cgo) on
# Debian slim with the programs it calls at run time (ffmpeg/ffprobe for
# transcoding, Nanum fonts for certificate PDFs).
#
#   docker build --build-arg VERSION=$(git describe --tags --always) -t weaverse .
#   docker run -p 8080:8080 -v weaverse-data:/data weaverse
#
# Without further settings the container runs in development mode on SQLite
# under /data and generates its secrets there; see docker-compose.yml for a
# production setup on PostgreSQL.

############################ build ############################
FROM golang:1.26-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOTOOLCHAIN=local

# Dependencies first, so they are cached until go.mod/go.sum change.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download

COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X github.com/weaverse/weaverse/app.version=${VERSION}" \
      -o /out/weaverse . \
 && /out/weaverse version

########################### runtime ###########################
FROM debian:bookworm-slim

# curl is only for HEALTHCHECK: the binary has no health-check subcommand, and
# curl is small next to ffmpeg, so the image checks itself wherever it runs
# (docker run, compose, swarm) instead of relying on an orchestrator's probe.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ffmpeg fonts-nanum ca-certificates tzdata curl \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 weaverse \
 && useradd --system --uid 10001 --gid weaverse --home-dir /data --no-create-home \
      --shell /usr/sbin/nologin weaverse \
 && mkdir -p /data \
 && chown weaverse:weaverse /data

COPY --from=build /out/weaverse /usr/local/bin/weaverse

ENV WEAVERSE_LISTEN=0.0.0.0:8080 \
    WEAVERSE_DATA_DIR=/data

# Relative paths (and an optional ./weaverse.yaml) resolve inside the volume;
# a config file elsewhere can be given with: weaverse -c /path/weaverse.yaml serve
WORKDIR /data
VOLUME /data
USER weaverse:weaverse
EXPOSE 8080

# Liveness only (/healthz); compose probes /readyz, which also checks the database.
# The port follows WEAVERSE_LISTEN if it is overridden.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD curl -fsS -o /dev/null "http://127.0.0.1:${WEAVERSE_LISTEN##*:}/healthz" || exit 1

ENTRYPOINT ["/usr/local/bin/weaverse"]
CMD ["serve"]
