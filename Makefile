# rnn-course entry points. On a fresh machine:
#   make lab    create .venv if missing, install everything, open the course in JupyterLab
#   make test   create .venv if missing, install everything, run the whole test suite
#   make colab-check   run every notebook in a replica of Google Colab's runtime (also part of make test)
#   make format ruff format for .py files and the notebooks' code cells (make test checks it)
#   make site   the course website in site/ (lecture-mode outputs, cached); SITE_MODE=ci for CI parameters
#   make slides the reveal.js decks only, site/slides/
PY ?= python3
VENV ?= .venv
SITE_MODE ?= lecture
BIN := $(VENV)/bin
# make test runs pytest in parallel workers (pytest-xdist; tests/conftest.py groups and orders the work)
PYTEST_WORKERS ?= 3
PYTEST_ARGS ?= -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.PHONY: lab test install lint format sync figures student bench lecture colab-check site slides clean

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements-dev.txt
	@rm -f $(VENV)/.installed-*; touch $@

install: $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check --force-exclude .
	$(BIN)/python -m tools.authoring.nbformat_code --check
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check --fix .

format: $(STAMP)
	$(BIN)/ruff format --force-exclude .
	$(BIN)/python -m tools.authoring.nbformat_code

sync: $(STAMP)
	$(BIN)/python -m tools.authoring.sync

figures: $(STAMP)
	$(BIN)/python -m tools.authoring.figures

student: $(STAMP)
	$(BIN)/python -m tools.authoring.student

bench: $(STAMP)
	$(BIN)/python -m tools.experiments.bench_windowing

lecture: $(STAMP)
	$(BIN)/python -m tools.authoring.execute --mode lecture notebooks/*.ipynb

colab-check: $(STAMP)
	nice -n 10 $(BIN)/python -m tools.colab.check $(COLAB_ARGS)

site: $(STAMP)
	$(BIN)/python -m tools.site.build --mode $(SITE_MODE)

slides: $(STAMP)
	$(BIN)/python -m tools.site.build --mode $(SITE_MODE) --slides-only

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
