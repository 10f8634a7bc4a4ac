# Two commands matter: `make demo` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup tools test plain-install demo bench fixtures clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/pip install -q --no-deps nougat-ocr==0.1.17  # Nougat's loader for tests/export/test_index.py, without torch
	touch $(STAMP)

tools:
	@scripts/ensure-tools.sh

test: tools setup plain-install   # in this order: a fresh Debian needs python3-venv (tools) for the venvs
	$(BIN)/pytest -q

# `pip install .` (no extras) in a venv of its own, then every command's --help and a split
plain-install: tools
	PYTHON=$(PYTHON) scripts/plain-install-check.sh .venv-plain

demo: setup
	rm -rf demo-out demo-data
	$(BIN)/nougat-align run --input fixtures/papers -o demo-out
	$(BIN)/nougat-align index demo-out -o demo-data/train.jsonl --split validation=0.2 --parquet demo-data/parquet \
		--coco demo-data/coco.json --grounded demo-data/grounded.jsonl --crops demo-data/crops
	$(BIN)/nougat-align view demo-out
	@echo
	@echo "Done. Each paper's pages are in demo-out/<paper>/: NN.png (page image) beside NN.mmd"
	@echo "(its markdown), meta.json (scores, drop reasons); the run's manifest and stats are in"
	@echo "demo-out/manifest.jsonl and demo-out/stats.json. The training index is demo-data/: train.jsonl"
	@echo "and validation.jsonl in Nougat's layout (demo-data/arxiv -> ../demo-out), and Parquet shards"
	@echo "for Hugging Face datasets in demo-data/parquet/ (README: Training on the output)."
	@echo "Each paper's layout.json (elements: category, boxes, order, markdown) is exported as"
	@echo "demo-data/coco.json (COCO), demo-data/grounded.jsonl and crops in demo-data/crops/."
	@echo "To look at it all, open demo-out/report/index.html in a browser."

fixtures: setup tools
	$(BIN)/python fixtures/build.py

bench: setup tools   # side by side with Nougat when its reference venv exists (see benchmarks/run.py)
	$(BIN)/python benchmarks/run.py $$([ -x $${ANCHOR_VENV:-/tmp/na-anchor-venv}/bin/python ] && echo --nougat)

clean:
	rm -rf $(VENV) .venv-plain demo-out demo-data .pytest_cache
