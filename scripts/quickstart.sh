#!/usr/bin/env bash
# The README's main command: installs what it needs, then runs the quickstart bot on the
# default file backend (./data/bot.session). Run it twice: the second run resumes.
# Arguments pass through, e.g. `bash scripts/quickstart.sh --backend sqlite --ticks 50`.
set -euo pipefail
source "$(dirname "$0")/lib/toolchain.sh"
cd "$REPO_ROOT"
ensure_pnpm
ensure_deps
exec node --conditions=@x/source --import tsx examples/quickstart/src/main.ts "$@"
