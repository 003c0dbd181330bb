#!/usr/bin/env bash
# The README's first command: installs what is missing, builds the triarb
# binary (default preset) and runs its embedded default, `triarb demo`.
# Extra arguments go to `triarb demo` (e.g. --duration 10).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/install-deps.sh"
source "$here/lib.sh"
build_preset default triarb >&2
exec build/default/apps/triarb/triarb demo "$@"
