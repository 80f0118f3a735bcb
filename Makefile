# Two commands are the whole set-up on a fresh machine with Python >= 3.10:
#   make demo   installs videoclf into .venv and runs the demo (synthetic videos -> trained model)
#   make test   installs videoclf with its dev tools into .venv and runs every test
# On a GPU VM:
#   make install-gpu   adds TensorFlow's CUDA libraries (the [gpu] extra) to .venv and runs `videoclf doctor`
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PYTEST_WORKERS ?= 2

.PHONY: install install-gpu demo test check bench bench-smoke docs

$(VENV)/.installed: settings.ini setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $@

install: $(VENV)/.installed

# TensorFlow with its CUDA and cuDNN libraries (pip's tensorflow[and-cuda]); the doctor then says whether the GPU works
install-gpu: install
	$(BIN)/python -m pip install -q -e ".[dev,gpu]"
	$(BIN)/videoclf doctor

demo: install
	$(BIN)/videoclf demo

# notebooks, exported modules and README.md must agree (CI runs this before the tests)
check: install
	PATH="$(abspath $(BIN)):$$PATH" bash tools/check_sync.sh

test: install
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --durations=15 tests

bench: install
	$(BIN)/python -m benchmarks.run_all

bench-smoke: install
	$(BIN)/python -m benchmarks.run_all --smoke

# execute the chapters so their saved outputs (tables, plots, numbers) document the library; slow cells too
docs: install
	$(BIN)/python tools/execute_nbs.py nbs/[0-9]*.ipynb nbs/index.ipynb --flags slow
	$(BIN)/nbdev_clean
	$(BIN)/python tools/make_readme.py
