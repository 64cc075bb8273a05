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

# Lint and the examples' types: reported, and they fail the run, after the tests have run.
checks=0
log "biome check"
pnpm exec biome check . --diagnostic-level=error >&2 || checks=1
for example in examples/*/; do
	pnpm exec tsc -p "$example" --noEmit >&2 || { log "type errors in $example"; checks=1; }
done

report="$REPO_ROOT/.vitest-report.json"
rm -f "$report"
pnpm exec vitest run --reporter=default --reporter=json --outputFile="$report" "$@"
status=$?
[ "$checks" = 0 ] || { log "lint or example type-check failed (see above)"; status=1; }
node scripts/test-summary.mjs "$report" || status=1
exit $status
