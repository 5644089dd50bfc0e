# segkit — `make help` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help demo test lint lab demo-data bench clean-reports

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[spark,test,lab]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (segkit)" >/dev/null
	touch $(STAMP)

demo: $(STAMP)  ## set up, generate the demo data and run every notebook on it (reports/demo/index.html)
	$(BIN)/segkit demo-data --out data/raw/demo
	$(BIN)/segkit run configs/demo.yaml

test: $(STAMP)  ## set up and run the whole test suite (Spark and end-to-end tests included)
	$(BIN)/python -m pytest

lint: $(STAMP)  ## ruff (pyflakes, import order, format check) and mypy on src/segkit
	$(BIN)/ruff check src tests benchmarks notebooks conftest.py
	$(BIN)/ruff format --check src tests benchmarks notebooks conftest.py
	$(BIN)/mypy

demo-data: $(STAMP)  ## only (re)generate the demo data in data/raw/demo
	$(BIN)/segkit demo-data --out data/raw/demo

lab: $(STAMP)  ## start JupyterLab on notebooks/ with the segkit environment
	$(BIN)/jupyter lab notebooks/

bench: $(STAMP)  ## run the benchmarks (prints tables; see benchmarks/README.md)
	$(BIN)/python benchmarks/bench_aggregate.py
	$(BIN)/python benchmarks/bench_rfm.py
	$(BIN)/python benchmarks/bench_prepare.py --rows 1000000 10000000
	$(BIN)/python benchmarks/bench_models.py
	$(BIN)/python benchmarks/bench_clusters.py
	$(BIN)/python benchmarks/bench_database.py --rows 1000000

clean-reports:  ## delete generated reports and processed data
	rm -rf reports/*/ data/processed/*/
