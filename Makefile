# Two commands are the whole set-up on a fresh machine with Python >= 3.10:
#   make demo   installs videoclf into .venv and runs the demo (synthetic videos -> trained model)
#   make test   installs videoclf with its dev tools and Ray (the [ray] extra) into .venv and runs every test
#   make site   builds the documentation website into _site/ (open _site/index.html)
# On a GPU VM:
#   make install-gpu   adds TensorFlow's CUDA libraries (the [gpu] extra) to .venv and runs `videoclf doctor`
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PYTEST_WORKERS ?= 2
# Debian packages the tests need (chromium: the browser test of the website); add more here (e.g. ffmpeg)
SYSTEM_PACKAGES ?= chromium

.PHONY: install install-gpu system-packages demo test check bench bench-smoke docs site

$(VENV)/.installed: settings.ini setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev,ray]"
	touch $@

install: $(VENV)/.installed

# TensorFlow with its CUDA and cuDNN libraries (pip's tensorflow[and-cuda]); the doctor then says whether the GPU works
install-gpu: install
	$(BIN)/python -m pip install -q -e ".[dev,ray,gpu]"
	$(BIN)/videoclf doctor

# apt-get installs the missing ones when run as root (CI); otherwise it says what to install
system-packages:
	@bash tools/system_packages.sh $(SYSTEM_PACKAGES)

demo: install
	$(BIN)/videoclf demo

# notebooks, exported modules and README.md must agree (CI runs this before the tests)
check: install
	PATH="$(abspath $(BIN)):$$PATH" bash tools/check_sync.sh

test: install system-packages
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

# the documentation website from the notebooks as saved (no execution) into _site/; fails on a broken link
site: install
	$(BIN)/python tools/build_site.py
