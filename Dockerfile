# scenefarm's sandbox and Ray worker image: Python, Manim, the TeX packages, ffmpeg, headless
# Chromium (web scenes), the project.
#
#   docker build -t scenefarm-sandbox .                                  (pulls debian:bookworm-slim)
#   docker build --build-arg BASE_IMAGE=scenefarm-base:bookworm \        (no registry: see
#     --secret id=ca_bundle,src=/etc/ssl/certs/ca-certificates.crt .      scripts/build-image.sh)
#
# The CA bundle is a build secret: used by pip/uv during the build when egress goes through a
# TLS-intercepting proxy, never stored in a layer.
ARG BASE_IMAGE=debian:bookworm-slim

FROM ${BASE_IMAGE} AS build
ARG UV_VERSION=0.13.9
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends \
      ca-certificates python3 python3-venv python3-dev build-essential pkg-config \
      libcairo2-dev libpango1.0-dev >/dev/null \
 && rm -rf /var/lib/apt/lists/*
ENV UV_PROJECT_ENVIRONMENT=/opt/scenefarm/venv \
    UV_PYTHON=/usr/bin/python3 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy
WORKDIR /src
COPY pyproject.toml uv.lock README.md ./
# Dependencies first: this layer is reused until uv.lock changes.
RUN --mount=type=secret,id=ca_bundle \
    if [ -s /run/secrets/ca_bundle ]; then \
      export SSL_CERT_FILE=/run/secrets/ca_bundle PIP_CERT=/run/secrets/ca_bundle; fi \
 && python3 -m venv /opt/uv && /opt/uv/bin/pip install -q "uv==${UV_VERSION}" \
 && /opt/uv/bin/uv sync --frozen --no-dev --no-install-project
COPY api ./api
COPY cluster ./cluster
COPY sandbox ./sandbox
COPY scenes ./scenes
COPY renderers ./renderers
RUN --mount=type=secret,id=ca_bundle \
    if [ -s /run/secrets/ca_bundle ]; then export SSL_CERT_FILE=/run/secrets/ca_bundle; fi \
 && /opt/uv/bin/uv sync --frozen --no-dev --no-editable

FROM ${BASE_IMAGE}
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends \
      python3 libcairo2 libpango-1.0-0 libpangocairo-1.0-0 libpangoft2-1.0-0 ffmpeg \
      texlive-latex-base texlive-latex-extra texlive-fonts-recommended texlive-science \
      dvisvgm cm-super-minimal fontconfig fonts-dejavu-core >/dev/null \
 && rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* \
 && fc-cache -s >/dev/null \
 && useradd --uid 10001 --user-group --no-create-home --home-dir /tmp/home \
      --shell /usr/sbin/nologin scene
# Web scenes: headless Chromium; and bubblewrap, the per-job sandbox inside worker pods
# (k8s/README.md). A layer of its own: the TeX layer above stays cached.
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends chromium-headless-shell bubblewrap \
      util-linux >/dev/null \
 && rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* \
 && fc-cache -s >/dev/null
COPY --from=build /opt/scenefarm/venv /opt/scenefarm/venv
# Bytecode was compiled by uv (UV_COMPILE_BYTECODE); the root filesystem is read-only at run
# time and PYTHONDONTWRITEBYTECODE is set, so nothing is compiled per start.
ENV PATH=/opt/scenefarm/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/tmp/home \
    LANG=C.UTF-8
USER scene
WORKDIR /tmp
CMD ["scenefarm", "--help"]
