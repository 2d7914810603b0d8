#!/usr/bin/env bash
# Makes the docker sandbox backend usable: Debian's docker.io (and debootstrap, for a base image
# where no registry is reachable), a running dockerd, and the scenefarm image (layer-cached).
# Exits non-zero only when SCENEFARM_REQUIRE_DOCKER=1; otherwise a failure just leaves the
# docker backend unavailable (the bwrap backend and its tests still run).
set -uo pipefail
cd "$(dirname "$0")/.."

fail() {
  echo "scenefarm: docker backend unavailable: $*" >&2
  if [[ "${SCENEFARM_REQUIRE_DOCKER:-0}" == 1 ]]; then exit 1; fi
  exit 0
}

SCENEFARM_WITH_DOCKER=1 scripts/install-system.sh || fail "could not install docker.io"
if ! docker info >/dev/null 2>&1; then
  if [[ $(id -u) -ne 0 ]]; then fail "dockerd is not running (start it, or run as root)"; fi
  echo "scenefarm: starting dockerd (log: /var/log/scenefarm-dockerd.log)" >&2
  setsid dockerd >/var/log/scenefarm-dockerd.log 2>&1 < /dev/null &
  for _ in $(seq 60); do
    docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  docker info >/dev/null 2>&1 || fail "dockerd did not start: $(tail -3 /var/log/scenefarm-dockerd.log)"
fi
scripts/build-image.sh || fail "the image did not build (log: /tmp/scenefarm-image-build.log)"
