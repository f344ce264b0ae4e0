#!/bin/sh
# The simulator lane: runs PROGRAM [ARGS...] on oclgrind's simulated
# OpenCL 1.2 device with its data-race and API checks.  Fails when the
# program fails or when oclgrind reports anything at all (out-of-bounds
# access, data race, illegal launch, API misuse).  Exits 77 (skipped) when
# oclgrind is not installed.
#
# oclgrind's --uninitialized check is not used: Debian 12's oclgrind 21.10
# stops at LLVM's 'freeze' instruction ("Unsupported instruction: freeze")
# in any kernel with an integer division.
#
# usage: oclgrind.sh PROGRAM [ARGS...]
set -u
command -v oclgrind >/dev/null 2>&1 || { echo "oclgrind not installed"; exit 77; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
oclgrind --data-races --check-api --log "$log" "$@"
rc=$?
if [ -s "$log" ]; then
  echo "oclgrind reported:" >&2
  head -c 20000 "$log" >&2
  exit 1
fi
exit $rc
