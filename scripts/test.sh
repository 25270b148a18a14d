#!/usr/bin/env bash
# Installs everything (system packages, servaudit with its dev tools) and runs the checks and tests.
# This is the README's test command and what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-system-deps.sh
python3 -m pip install --quiet --disable-pip-version-check -e '.[dev]'
python3 -c 'import servaudit' # fail early and clearly if the install did not work

python3 -m ruff check servaudit tests bench
# The house rules (pyproject.toml [tool.importlinter]); through python3, as a fresh pyenv has no shim for lint-imports.
python3 -c "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True))"
python3 -m mypy servaudit tests bench
python3 -m pytest -q "$@"
