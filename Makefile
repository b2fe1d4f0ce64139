# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
EXT    := vscode-extension

.PHONY: run test test-python test-extension fuzz bench bench-check vsix e2e venv test-deps clean

venv: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

test-deps: $(VENV)/.test-installed
$(VENV)/.test-installed: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

run: venv
	$(VENV)/bin/icd10ls check examples/ ; status=$$?; [ $$status -le 1 ]

test: test-python test-extension

# Property tests and the random editing run use fixed seeds here; `make fuzz` explores.
test-python: test-deps
	ICD10LS_STRESS_SEED=20261121 $(PY) -m pytest -q --hypothesis-profile=repeatable

# Fresh random examples for the property tests and a 3,000-step random editing run of the
# server; run it after touching the parser, the rules or the server.  A failure prints
# the example (and the editing run its seed) to replay.
fuzz: test-deps
	ICD10LS_STRESS_OPERATIONS=3000 $(PY) -m pytest -q -p no:cacheprovider \
	  tests/test_fuzz_engine.py tests/test_rules_properties.py tests/test_encounter_parser_properties.py \
	  tests/test_codes.py tests/lsp/test_lsp_stress.py

test-extension:
	cd $(EXT) && npm ci --no-audit --no-fund && npm run compile && npm run lint && npm test

bench: venv
	$(PY) -m pip install --quiet -e '.[test,bench]'
	$(PY) -m benchmarks.run

bench-check: venv
	$(PY) -m pip install --quiet -e '.[test,bench]'
	$(PY) -m benchmarks.run --check

# The .vsix carries the server's wheel, so the install command the extension suggests
# (`<python> -m pip install <extension>/server/icd10ls-*.whl`) installs this very server.
vsix: venv
	rm -rf $(EXT)/server && $(PY) -m pip wheel --quiet --no-deps --wheel-dir $(EXT)/server .
	cd $(EXT) && npm ci --no-audit --no-fund && npm run package

# The packaged extension in a real VS Code (code-server, headless Chromium), used as a coder
# uses it, from "not installed" to every feature; screenshots into docs/images/.  The tools go
# to ~/.cache/icd10ls-e2e once (minutes); after that a run takes a few minutes.
E2E_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/icd10ls-e2e
e2e: vsix
	ICD10LS_E2E_CACHE=$(E2E_CACHE) $(EXT)/e2e/setup.sh >/dev/null
	cd $(EXT)/e2e && $(E2E_CACHE)/py/bin/python run_e2e.py --vsix $$(ls -t $(CURDIR)/$(EXT)/icd10ls-*.vsix | head -1) \
	  --repo $(CURDIR) --cache $(E2E_CACHE) --images $(CURDIR)/docs/images --timings $(CURDIR)/$(EXT)/e2e/last-timings.json

clean:
	rm -rf $(VENV) $(EXT)/node_modules $(EXT)/out $(EXT)/server .pytest_cache .hypothesis
