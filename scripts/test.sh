#!/usr/bin/env bash
# The test command: installs what is missing, builds, starts a private sandbox (real MariaDB servers),
# runs every test tier against it, and stops it. `.ci/run` runs exactly this.
#   bash scripts/test.sh            all tiers
#   bash scripts/test.sh core       one tier (core | keychain | e2e)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TIERS=("${@:-core keychain e2e}")
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

status=0
for tier in "${TIERS[@]}"; do
  echo "test: tier $tier"
  case "$tier" in
    core)
      node scripts/run-node-tests.js out/test/core || status=1 ;;
    keychain)
      # A real Secret Service: gnome-keyring-daemon inside a private D-Bus session.
      dbus-run-session -- bash -c 'export XDG_DATA_HOME=$(mktemp -d) XDG_RUNTIME_DIR=$(mktemp -d); echo -n sandbox | gnome-keyring-daemon --unlock --components=secrets >/dev/null; node scripts/run-node-tests.js out/test/keychain' || status=1 ;;
    e2e)
      if [ -f scripts/e2e.sh ]; then bash scripts/e2e.sh || status=1; else echo "test: no e2e tier yet"; fi ;;
    *) echo "unknown tier $tier"; status=2 ;;
  esac
done
exit $status
