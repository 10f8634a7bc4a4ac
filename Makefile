# Two commands matter: `make demo` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup tools test demo bench fixtures clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

tools:
	@scripts/ensure-tools.sh

test: setup tools
	$(BIN)/pytest -q

demo: setup
	$(BIN)/python scripts/demo.py

fixtures: setup tools
	$(BIN)/python fixtures/build.py

bench: setup tools
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) demo-out .pytest_cache
