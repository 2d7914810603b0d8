#!/usr/bin/env bash
# Builds scenefarm's image (sandbox + Ray worker) from the Dockerfile, reusing Docker's layer cache.
#
#   scripts/build-image.sh [TAG]     (default: $SCENEFARM_DOCKER_IMAGE or scenefarm-sandbox:latest)
#
# BASE_IMAGE: the Dockerfile's base. Unset, the registry's debian:bookworm-slim is used when it can
# be pulled, else a debootstrap-built scenefarm-base:bookworm (scripts/build-base-image.sh).
# The CA bundle in SSL_CERT_FILE, if any, is passed as a build secret (never baked in).
set -euo pipefail
cd "$(dirname "$0")/.."

TAG="${1:-${SCENEFARM_DOCKER_IMAGE:-scenefarm-sandbox:latest}}"
if [[ -z "${BASE_IMAGE:-}" ]]; then
  if docker image inspect debian:bookworm-slim >/dev/null 2>&1 \
     || timeout 60 docker pull -q debian:bookworm-slim >/dev/null 2>&1; then
    BASE_IMAGE=debian:bookworm-slim
  else
    echo "scenefarm: no registry reachable, building the base image with debootstrap" >&2
    scripts/build-base-image.sh scenefarm-base:bookworm
    BASE_IMAGE=scenefarm-base:bookworm
  fi
fi

args=(--build-arg "BASE_IMAGE=$BASE_IMAGE" -t "$TAG")
ca="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}"
if [[ -s "$ca" ]]; then
  args+=(--secret "id=ca_bundle,src=$ca")
fi
# BuildKit (for the secret mount): newer docker CLIs need the buildx plugin for it; Debian's own
# docker.io client (/usr/bin/docker) has it built in.
DOCKER=docker
if ! docker buildx version >/dev/null 2>&1 && [[ -x /usr/bin/docker ]]; then DOCKER=/usr/bin/docker; fi
echo "scenefarm: building $TAG from $BASE_IMAGE (first build takes minutes, later ones reuse the cache)" >&2
DOCKER_BUILDKIT=1 $DOCKER build --progress=plain "${args[@]}" . >/tmp/scenefarm-image-build.log 2>&1 \
  || { tail -40 /tmp/scenefarm-image-build.log >&2; exit 1; }
echo "scenefarm: built $TAG" >&2
