#!/usr/bin/env bash
# The test command: installs what is missing, builds, starts a private sandbox (real MariaDB servers),
# runs every test tier against it, and stops it. `.ci/run` runs exactly this.
#   bash scripts/test.sh            all tiers
#   bash scripts/test.sh core       one tier (lint | core | keychain | e2e | bench)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TIERS=("${@:-lint core keychain e2e bench}")
TIERS=(${TIERS[*]})

bash scripts/setup.sh
npm run --silent build
npm run --silent bundle >/dev/null

# A sandbox of its own (own folder, own ports), so a demo sandbox the user runs is left alone.
export MYSQL_TLS_SANDBOX_DIR="${MYSQL_TLS_SANDBOX_DIR:-$ROOT/.sandbox-test}"
export MYSQL_TLS_SANDBOX_PORT_BASE="${MYSQL_TLS_SANDBOX_PORT_BASE:-23306}"
mkdir -p test-artifacts
cleanup() { node out/scripts/sandbox.js stop >/dev/null 2>&1 || true; }
trap cleanup EXIT
node out/scripts/sandbox.js start >/dev/null
echo "test: sandbox up ($(node -p "Object.entries(require('$MYSQL_TLS_SANDBOX_DIR/sandbox.json').servers).map(([k,s])=>k+':'+s.port).join(' ')"))"

LOG=test-artifacts/test-run.log
: > "$LOG"
status=0
run_tier() { # runs a tier, keeping its output for the totals below
  "$@" 2>&1 | tee -a "$LOG"
  return "${PIPESTATUS[0]}"
}
for tier in "${TIERS[@]}"; do
  echo "test: tier $tier"
  case "$tier" in
    lint)
      # ESLint (typescript-eslint, the src/core and src/cli layer rule) and Prettier's format check.
      run_tier npx --no-install eslint . || status=1
      run_tier npx --no-install prettier --check --log-level warn . || status=1 ;;
    core)
      run_tier node scripts/run-node-tests.js out/test/core || status=1 ;;
    keychain)
      # A real Secret Service: gnome-keyring-daemon inside a private D-Bus session.
      run_tier dbus-run-session -- bash -c 'export XDG_DATA_HOME=$(mktemp -d) XDG_RUNTIME_DIR=$(mktemp -d); echo -n sandbox | gnome-keyring-daemon --unlock --components=secrets >/dev/null; node scripts/run-node-tests.js out/test/keychain' || status=1 ;;
    e2e)
      run_tier bash scripts/e2e.sh || status=1 ;;
    bench)
      # The benchmark's smoke mode, after the test tiers: a few iterations of every figure, one of them from the UI,
      # so the bench cannot rot. It fails on errors only, never on a figure; it writes no result files.
      run_tier node --expose-gc out/scripts/bench.js --smoke || status=1 ;;
    *) echo "unknown tier $tier"; status=2 ;;
  esac
done
# One closing line over every tier (node's runner prints "# pass N" / "# fail N" per run).
passed=$(grep -E '^# pass [0-9]+$' "$LOG" | awk '{s+=$3} END {print s+0}')
failed=$(grep -E '^# fail [0-9]+$' "$LOG" | awk '{s+=$3} END {print s+0}')
skipped=$(grep -E '^# skipped [0-9]+$' "$LOG" | awk '{s+=$3} END {print s+0}')
[ "$failed" -eq 0 ] || status=1
[ "$passed" -gt 0 ] || [ "${TIERS[*]}" = bench ] || { echo "test: no test ran"; status=1; }
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $status
