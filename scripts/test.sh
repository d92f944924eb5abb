#!/usr/bin/env bash
# The whole test suite: `npm test`. Database tests run on the PostgreSQL at 127.0.0.1:5432
# and limiter tests on the Redis at 127.0.0.1:6379 when they answer; otherwise the
# database tests run on PGlite and the Redis tests are skipped, each saying so. Under
# CI=true nothing may be skipped or swapped: a missing server fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "lint (ESLint, eslint.config.mjs)"
npm run -s lint

step "format (Prettier, .prettierrc)"
npm run -s format:check

step "typecheck"
npx tsc --noEmit

step "unit and integration tests"
npx vitest run

step "database core again on embedded PGlite"
npm run -s test:pglite

step "production build (.next-test)"
rm -rf .next-test
# The typecheck step above already ran tsc over everything; the build need not repeat it.
NEXT_SKIP_TYPECHECK=1 NEXT_DIST_DIR=.next-test npx next build > /tmp/metered-build.log 2>&1 || { cat /tmp/metered-build.log; exit 1; }
tail -n 5 /tmp/metered-build.log

step "server tests against the built app"
npx vitest run --config vitest.server.config.ts

step "fault tests: database cut by a proxy, app killed mid-request, Redis that never answers"
npm run --silent test:faults

step "end-to-end tests (Playwright, Debian chromium)"
if [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  NEXT_DIST_DIR=.next-test npx playwright test
elif [ "${CI:-}" = "true" ]; then
  echo "CI=true but chromium is missing at ${CHROMIUM_PATH:-/usr/bin/chromium} (apt-get install chromium)"; exit 1
else
  echo "SKIPPED: chromium not found at ${CHROMIUM_PATH:-/usr/bin/chromium}; install Debian's chromium to run the e2e tests."
fi

step "all tests passed"
