# scenefarm: `make demo` renders the sample lesson, `make test` runs every test.
# Both install what is missing first (Debian packages, uv, the project's venv).
SHELL := /bin/bash
.DEFAULT_GOAL := help

export UV_PYTHON ?= /usr/bin/python3
export UV_PYTHON_DOWNLOADS ?= never
export UV_COMPILE_BYTECODE := 1
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
PY := .venv/bin/python
PACKAGES := api cluster sandbox scenes renderers

.PHONY: help setup docker compile demo test lint unit attack k8s bench down clean
help:
	@echo "make demo   install what is missing, render examples/lesson.py into out/lesson.mp4"
	@echo "make test   install what is missing, run lint and every test"
	@echo "make bench  farm vs plain manim (bwrap and docker), one-scene edit vs full re-render"
	@echo "make down   stop the local cluster and its warm workers"

WEB_RUNTIME := renderers/web/runtime
setup: .venv/.ready $(WEB_RUNTIME)/dist/runtime.js

.venv/.ready: pyproject.toml uv.lock scripts/install-system.sh
	scripts/install-system.sh
	@if [ ! -x "$(UV)" ]; then echo "scenefarm: installing uv into .tools/"; \
		python3 -m venv .tools && .tools/bin/pip install -q uv; fi
	$(UV) sync --frozen
	@touch $@

# The web engine's runtime: React and esbuild from npm (package-lock.json), built by esbuild.
$(WEB_RUNTIME)/dist/runtime.js: $(WEB_RUNTIME)/package-lock.json $(WEB_RUNTIME)/build.mjs $(wildcard $(WEB_RUNTIME)/src/*)
	cd $(WEB_RUNTIME) && npm ci --no-audit --no-fund --loglevel=error && node build.mjs

# The docker sandbox backend: dockerd running and the image built (cached after the first time).
docker: setup
	scripts/setup-docker.sh

# Our code runs read-only inside sandboxes (and PYTHONDONTWRITEBYTECODE may be set):
# compile its bytecode up front, or every sandboxed start pays for compilation.
compile: setup
	@$(PY) -m compileall -q $(PACKAGES)
	@if [ "$$(id -u)" = 0 ]; then fc-cache -s >/dev/null 2>&1 || true; fi

demo: compile
	$(UV) run --frozen scenefarm render examples/lesson.py -o out/lesson.mp4 --report out/report.json
	@echo "demo: wrote out/lesson.mp4 (scene videos in out/lesson_scenes/, report in out/report.json)"

lint: setup
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check $(PACKAGES) tests bench
	$(UV) run --frozen mypy
	# guest code runs inside the sandbox, importing its neighbours as top-level modules
	MYPYPATH=sandbox/guest $(UV) run --frozen mypy --strict --explicit-package-bases sandbox/guest/*.py
	MYPYPATH=renderers/guest $(UV) run --frozen mypy --strict --explicit-package-bases renderers/guest/*.py

# Two pytest processes: the multi-node tests start Ray clusters of their own inside the test
# process, and Ray keeps some settings per process from its first import (auth mode, loopback
# handling), which the other tests need set for the local head they join.
MULTINODE := tests/integration/multinode
test: compile lint docker
	$(UV) run --frozen pytest -q --ignore=$(MULTINODE)
	$(UV) run --frozen pytest -q $(MULTINODE)

unit: compile
	$(UV) run --frozen pytest -q tests/unit

# The sandbox attack suite alone (it also runs in `make test`).
attack: compile docker
	$(UV) run --frozen pytest -q tests/sandbox

# The k8s/ manifests alone, offline (kubectl and kubernetes-validate come with `uv sync`).
k8s: setup
	$(UV) run --frozen pytest -q tests/k8s -m "not integration"

bench: compile docker
	$(UV) run --frozen python bench/bench_render.py --sandbox bwrap
	$(UV) run --frozen python bench/bench_render.py --sandbox docker --runs 1
	$(UV) run --frozen python bench/bench_tts.py
	$(UV) run --frozen python bench/bench_edit.py

down: setup
	$(UV) run --frozen scenefarm down

clean:
	rm -rf out .venv .tools
