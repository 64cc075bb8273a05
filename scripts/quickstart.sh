#!/usr/bin/env bash
# The README's main command: installs what it needs, then runs the quickstart bot on the
# default file backend (./data/bot.session). Run it twice: the second run resumes.
# Options pass through, e.g. `bash scripts/quickstart.sh --backend sqlite --ticks 50`;
# `bash scripts/quickstart.sh --help` lists them.
set -euo pipefail
source "$(dirname "$0")/lib/toolchain.sh"
cd "$REPO_ROOT"
ensure_pnpm
# the install is quiet unless it fails: the bot's own lines (or its one-line usage error) are the output
[ -d node_modules/.pnpm ] || log "first run: installing the dependencies (a few minutes)"
install_log=$(mktemp)
if ! ensure_deps >"$install_log" 2>&1; then
	cat "$install_log" >&2
	rm -f "$install_log"
	log "installing the dependencies failed (output above)"
	exit 1
fi
rm -f "$install_log"
exec node --conditions=@x/source --import tsx examples/quickstart/src/main.ts "$@"
