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
ensure_telethon || { [ -n "${REQUIRE_SERVICES:-}" ] && exit 1; }
have_chromium=1
ensure_chromium || { [ -n "${REQUIRE_SERVICES:-}" ] && exit 1; have_chromium=0; }
build_all || exit 1

# reports of an earlier run are neither linted nor summed
rm -f "$REPO_ROOT"/.vitest-*.json

# Lint and the examples' types: reported, and they fail the run, after the tests have run.
checks=0
log "biome check"
pnpm exec biome check . --diagnostic-level=error >&2 || checks=1
for example in examples/*/; do
	pnpm exec tsc -p "$example" --noEmit >&2 || { log "type errors in $example"; checks=1; }
done

report="$REPO_ROOT/.vitest-report.json"
pnpm exec vitest run --reporter=default --reporter=json --outputFile="$report" "$@"
status=$?
# a run that failed outside any test (an unhandled error, a file that crashed) still counts
errored=$((status != 0))
reports=("$report")

# Arguments narrow the unit-test run only; without them the browser and packaging runs follow.
if [ "$#" = 0 ]; then
	# core's codec/string/JSON tests and the string backend in headless Chromium
	if [ "$have_chromium" = 1 ]; then
		log "browser tests (headless Chromium at $CHROMIUM_PATH)"
		pnpm exec vitest run -c vitest.browser.config.ts --reporter=default --reporter=json \
			--outputFile="$REPO_ROOT/.vitest-browser.json" || { status=1; errored=$((errored + 1)); }
		reports+=("$REPO_ROOT/.vitest-browser.json")
	else
		log "browser tests skipped: no Chromium (they are required in CI)"
	fi
	# what we would publish: pack, publint, attw, install from the tarballs in fresh projects, sizes
	log "packaging tests (packed tarballs installed with npm in temporary projects)"
	pnpm exec vitest run -c vitest.packaging.config.ts --reporter=default --reporter=json \
		--outputFile="$REPO_ROOT/.vitest-packaging.json" || { status=1; errored=$((errored + 1)); }
	reports+=("$REPO_ROOT/.vitest-packaging.json")
fi

[ "$checks" = 0 ] || { log "lint, example type-check, docs or changeset check failed (see above)"; status=1; }
node scripts/test-summary.mjs --errored-runs="$errored" "${reports[@]}" || status=1
exit $status
