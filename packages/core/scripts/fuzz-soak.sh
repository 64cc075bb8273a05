#!/usr/bin/env bash
# Longer fuzz run of every decoder (default 2 million inputs instead of CI's 120 000), then of
# the foreign string decoders in @x/session-convert with the same count.
set -euo pipefail
cd "$(dirname "$0")/../../.."
XS_FUZZ_INPUTS="${1:-2000000}" pnpm exec vitest run --project core test/fuzz.test.ts
XS_FUZZ_INPUTS="${1:-2000000}" pnpm exec vitest run --project convert test/fuzz.test.ts
