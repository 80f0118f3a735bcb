#!/usr/bin/env bash
# Fails when the exported package, the cleaned notebooks or README.md differ from what the notebooks produce.
set -euo pipefail
cd "$(dirname "$0")/.."
nbdev_export
nbdev_clean
python tools/make_readme.py
if ! git diff --quiet -- videoclf nbs README.md || [ -n "$(git status --porcelain -- videoclf nbs README.md)" ]; then
  echo "Out of sync: run 'nbdev_export && nbdev_clean && python tools/make_readme.py' and commit:" >&2
  git status --porcelain -- videoclf nbs README.md >&2
  git --no-pager diff --stat -- videoclf nbs README.md >&2
  exit 1
fi
echo "notebooks, exported modules and README.md are in sync"
