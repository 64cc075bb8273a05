#!/usr/bin/env bash
# Longer crash soak: SIGKILL the saving child N times (default 2000) instead of CI's 200.
set -euo pipefail
cd "$(dirname "$0")/../../.."
XS_KILL_ITERATIONS="${1:-2000}" pnpm exec vitest run --project file test/processes.test.ts
