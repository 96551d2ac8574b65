# The two commands a user needs: `make demo` (the whole Demiurge chain on the embedded corpus)
# and `make test` (the test suite). Each sets itself up: system packages when run as root,
# a virtualenv in .venv with the CPU build of torch, and the package itself.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
TORCH_VERSION ?= 2.13.0
DEMO_OUT ?= demo-output

TORCH251_VENV := .venv-torch251

.PHONY: demo test setup system-packages bench clean torch251

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==$(TORCH_VERSION)
	$(PY) -m pip install -q -e ".[test,faiss,plots]"
	touch $@

# torch 2.5.1 (the libtorch of nn~ v1.6.0) in a side virtualenv, for tests/test_torch251.py:
# every export must load and play identically there (about 5 GB: 5.2 GB measured; 1-2 minutes, built once).
$(TORCH251_VENV)/.installed:
	$(PYTHON) -m venv $(TORCH251_VENV)
	$(TORCH251_VENV)/bin/python -m pip install -q torch==2.5.1 numpy
	touch $@

torch251: $(TORCH251_VENV)/.installed

system-packages:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  need=""; for p in jackd2 libportaudio2 fluidsynth puredata-core puredata-doc espeak-ng; do \
	    dpkg -s $$p >/dev/null 2>&1 || need="$$need $$p"; done; \
	  if [ -n "$$need" ]; then echo "installing system packages:$$need"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$need >/dev/null; fi; \
	else echo "not root: skipping system packages (jackd2 libportaudio2 fluidsynth puredata-core puredata-doc espeak-ng); JACK tests will be skipped and the realistic-material tests will fail"; fi

setup: system-packages $(VENV)/.installed

demo: setup
	$(VENV)/bin/demiurge demo -o $(DEMO_OUT) --export-dir export

test: setup torch251
	$(PY) -m pytest -q tests

bench: setup
	$(PY) -m pip install -q -e ".[bench]"
	for b in tools/bench_*.py; do $(PY) $$b; done

clean:
	rm -rf $(VENV) $(TORCH251_VENV) $(DEMO_OUT) .pytest_cache
