#!/usr/bin/env bash
# The README's test command: installs what it needs, runs every test, prints
# "N passed, N failed, N skipped" last, and exits non-zero when anything failed.
set -uo pipefail
source "$(dirname "$0")/lib/toolchain.sh"
cd "$REPO_ROOT"
trap stop_started_services EXIT

ensure_pnpm || exit 1
ensure_deps || exit 1
ensure_redis || { [ -n "${REQUIRE_SERVICES:-}" ] && exit 1; }
ensure_postgres || { [ -n "${REQUIRE_SERVICES:-}" ] && exit 1; }
build_all || exit 1

report="$REPO_ROOT/.vitest-report.json"
rm -f "$report"
pnpm exec vitest run --reporter=default --reporter=json --outputFile="$report" "$@"
status=$?
node scripts/test-summary.mjs "$report" || status=1
exit $status
