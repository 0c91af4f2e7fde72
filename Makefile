# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench demo clean messages

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,bench]'
	$(BIN)/pybabel -q compile -d terminal/locale -D wh
	touch $(STAMP)

# Creates the schema and the demo warehouse the first time, then starts the station app.
# WH_DEMO_LOCALE=zh_CN seeds the Chinese demo warehouse instead.
WH_DEMO_LOCALE ?= en
run: $(STAMP)
	$(BIN)/wh init
	$(BIN)/wh demo --if-empty --locale $(WH_DEMO_LOCALE)
	$(BIN)/wh run

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m bench

demo: $(STAMP)
	$(BIN)/wh init
	$(BIN)/wh demo --locale $(WH_DEMO_LOCALE)

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache

# After adding or changing words on screen: extract them and merge them into the catalogues,
# then translate the new entries in terminal/locale/zh_CN/LC_MESSAGES/wh.po.
messages: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k _ -k N_ -k ngettext:1,2 -k pgettext:1c,2 -k NC_:1c,2 --no-location --sort-output -o terminal/locale/wh.pot db devices terminal
	$(BIN)/pybabel -q update -i terminal/locale/wh.pot -d terminal/locale -D wh --no-fuzzy-matching
	$(BIN)/pybabel -q compile -d terminal/locale -D wh
