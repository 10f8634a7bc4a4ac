# Two commands matter: `make demo` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup tools test plain-install demo bench fixtures clean

setup: $(STAMP)

$(STAMP): pyproject.toml | tools   # tools first: a fresh Debian needs python3-venv
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

tools:
	@scripts/ensure-tools.sh

test: tools setup plain-install
	$(BIN)/pytest -q

# `pip install .` (no extras) in a venv of its own, then every command's --help and a split
plain-install: tools
	PYTHON=$(PYTHON) scripts/plain-install-check.sh .venv-plain

demo: setup
	rm -rf demo-out
	$(BIN)/nougat-align run --input fixtures/papers -o demo-out
	$(BIN)/nougat-align index demo-out -o demo-out/train.jsonl --split validation=0.2
	@echo
	@echo "Done. Each paper's pages are in demo-out/<paper>/: NN.png (page image) beside NN.mmd"
	@echo "(its markdown), meta.json (scores, drop reasons); the run's manifest and stats are in"
	@echo "demo-out/manifest.jsonl and demo-out/stats.json; the training index is demo-out/train.jsonl."

fixtures: setup tools
	$(BIN)/python fixtures/build.py

bench: setup tools   # side by side with Nougat when its reference venv exists (see benchmarks/run.py)
	$(BIN)/python benchmarks/run.py $$([ -x $${ANCHOR_VENV:-/tmp/na-anchor-venv}/bin/python ] && echo --nougat)

clean:
	rm -rf $(VENV) .venv-plain demo-out .pytest_cache
