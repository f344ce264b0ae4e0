#!/bin/sh
# Runs every test: kernel reference tests, end-to-end against PyTorch (the
# fixtures are generated on first use), the command-line tool, and the leak
# checks.  Run scripts/setup.sh first (the README's test command does).
set -eu
cd "$(dirname "$0")/.."
meson test -C build --print-errorlogs --num-processes 1 "$@"
