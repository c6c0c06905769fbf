#!/usr/bin/env bash
# The e2e tier: the packaged extension in real VS Code (code-server 4.100.3) driven by Debian's Chromium
# (playwright-core), against the MariaDB sandbox, with a real Secret Service (gnome-keyring) for keytar.
#   bash scripts/e2e.sh                  all of test/e2e
#   bash scripts/e2e.sh --test-name-pattern=smoke   (flags go to node --test)
# Builds, packages and installs code-server when needed; uses the sandbox in $MYSQL_TLS_SANDBOX_DIR when
# one runs there (scripts/test.sh starts one), else starts a private one and stops it afterwards.
# Screenshots: test-artifacts/e2e/. Exit status: non-zero when any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
started=$(date +%s)
E2E_TIMEOUT=${MYSQL_TLS_E2E_TIMEOUT:-900}

# Build (tsc still emits when files owned by others have type errors; the tests report what is broken).
npx tsc -p . >/tmp/mysql-tls-e2e-tsc.$$ 2>&1 || { echo "e2e: tsc reported errors (continuing with the emitted JavaScript):"; head -20 /tmp/mysql-tls-e2e-tsc.$$; }
rm -f /tmp/mysql-tls-e2e-tsc.$$
VSIX=$(bash scripts/e2e/package.sh | tail -1) # always: the bundle must match the sources under test
bash scripts/e2e/install-tools.sh

export MYSQL_TLS_SANDBOX_DIR="${MYSQL_TLS_SANDBOX_DIR:-$ROOT/.sandbox-e2e}"
own_sandbox=0
if ! node out/scripts/sandbox.js status 2>/dev/null | node -e 'const d=JSON.parse(require("fs").readFileSync(0,"utf8")); process.exit(Object.values(d.servers).every((s)=>s.running!==false)?0:1)' 2>/dev/null; then
  node out/scripts/sandbox.js start >/dev/null
  own_sandbox=1
fi

export MYSQL_TLS_E2E_PIDS
MYSQL_TLS_E2E_PIDS=$(mktemp -d -t mysql-tls-e2e-pids.XXXXXX)
export MYSQL_TLS_E2E_ARTIFACTS="$ROOT/test-artifacts/e2e"
rm -rf "$MYSQL_TLS_E2E_ARTIFACTS"
mkdir -p "$MYSQL_TLS_E2E_ARTIFACTS"
export MYSQL_TLS_VSIX="$VSIX"
# The universal VSIX (no keytar; secrets in SecretStorage), next to it: test/e2e/universal.test.ts installs it.
export MYSQL_TLS_VSIX_UNIVERSAL="${VSIX%-linux-x64.vsix}.vsix"

runner=""
cleanup() {
  # The test run is its own process group (node, chromium); code-server groups are listed in the pid dir.
  [ -n "$runner" ] && kill -TERM -- "-$runner" 2>/dev/null || true
  for f in "$MYSQL_TLS_E2E_PIDS"/code-server-*; do
    [ -f "$f" ] && kill -KILL -- "-$(cat "$f")" 2>/dev/null || true
  done
  rm -rf "$MYSQL_TLS_E2E_PIDS"
  [ "$own_sandbox" = 1 ] && node out/scripts/sandbox.js stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "e2e: $(basename "$VSIX"), code-server 4.100.3, sandbox $MYSQL_TLS_SANDBOX_DIR"
status=0
setsid timeout --kill-after=10 "$E2E_TIMEOUT" bash scripts/e2e/with-keyring.sh node scripts/run-node-tests.js out/test/e2e "$@" &
runner=$!
wait "$runner" || status=$?
runner=""
[ "$status" = 124 ] && echo "e2e: timed out after ${E2E_TIMEOUT}s"
echo "e2e: finished in $(( $(date +%s) - started ))s (status $status); screenshots in test-artifacts/e2e/"
exit $status
