#!/usr/bin/env bash
# Builds a Debian bookworm base image with debootstrap + docker import, for machines that can
# reach a Debian mirror but no container registry. Elsewhere the Dockerfile's default
# BASE_IMAGE (debian:bookworm-slim) is pulled as usual and this script is not needed.
#
#   scripts/build-base-image.sh [TAG]      (default tag: scenefarm-base:bookworm)
set -euo pipefail

TAG="${1:-scenefarm-base:bookworm}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if docker image inspect "$TAG" >/dev/null 2>&1; then
  echo "scenefarm: base image $TAG already present" >&2
  exit 0
fi
command -v debootstrap >/dev/null || { echo "debootstrap is not installed" >&2; exit 1; }

root="$(mktemp -d /var/tmp/scenefarm-base.XXXXXX)"
trap 'rm -rf "$root"' EXIT
echo "scenefarm: debootstrap bookworm into $root (about a minute)" >&2
debootstrap --variant=minbase bookworm "$root" "$MIRROR" >"$root.log" 2>&1 \
  || { tail -20 "$root.log" >&2; rm -f "$root.log"; exit 1; }
rm -f "$root.log"
# Same shape as the official slim image: no apt caches, no docs, sources on deb.debian.org.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/*
cat >"$root/etc/apt/sources.list" <<EOF
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
tar -C "$root" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["bash"]' - "$TAG" >/dev/null
echo "scenefarm: built base image $TAG" >&2
