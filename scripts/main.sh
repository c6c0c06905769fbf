#!/usr/bin/env bash
# The main command: from a clean clone on Debian to the extension running in VS Code (code-server in the
# browser) against real MariaDB servers with TLS.
#   bash scripts/main.sh            set up, build, package, start the sandbox, probe every --ssl-mode,
#                                   then serve VS Code on http://127.0.0.1:${PORT:-8080}/ until Ctrl-C
#   bash scripts/main.sh --no-ui    stop after the probes (CI-style check); the sandbox is stopped again
#   bash scripts/main.sh --skip-build   reuse the installed dependencies and out/ from an earlier run
# Everything listens on 127.0.0.1 only. Ctrl-C stops code-server and the sandbox.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
NO_UI=0
SKIP_BUILD=0
for arg in "$@"; do
  case "$arg" in
    --no-ui) NO_UI=1 ;;
    --skip-build) SKIP_BUILD=1 ;;
    -h|--help) sed -n 2,9p "$0"; exit 0 ;;
    *) echo "main: unknown option $arg (use --no-ui, --skip-build or --help)" >&2; exit 2 ;;
  esac
done
PORT=${PORT:-8080}
say() { echo "main: $*"; }

if [ "$SKIP_BUILD" = 1 ] && [ -f out/scripts/sandbox.js ]; then
  say "reusing node_modules and out/ (--skip-build)"
else
  say "setup (Debian packages, npm dependencies)"
  bash scripts/setup.sh
  say "build (tsc -> out/)"
  npm run --silent build
fi
say "bundle (webpack -> dist/extension.js) and package the VSIX"
VSIX=$(bash scripts/e2e/package.sh 2>/dev/null | tail -1)
say "$(basename "$VSIX") ($(du -k "$VSIX" | cut -f1) KiB)"
bash scripts/e2e/install-tools.sh

SANDBOX_DIR=$(node -p 'require("./out/scripts/sandbox.js").defaultSandboxDir()')
STATE=""
own_sandbox=0
cleanup() {
  [ -n "$STATE" ] && rm -rf "$STATE"
  # Only a sandbox this run started is stopped; one that was already running is left to its owner.
  if [ "$own_sandbox" = 1 ]; then
    say "stopping the sandbox"
    node out/scripts/sandbox.js stop >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT
if node out/scripts/sandbox.js status >/dev/null 2>&1; then
  say "using the sandbox already running in ${SANDBOX_DIR#"$ROOT"/}"
else
  say "starting the sandbox in ${SANDBOX_DIR#"$ROOT"/}"
  own_sandbox=1
  node out/scripts/sandbox.js start >/dev/null
fi
node -e '
  const s = require(process.argv[1]);
  for (const [name, srv] of Object.entries(s.servers)) console.log(`main:   ${name.padEnd(10)} 127.0.0.1:${srv.port}`);
' "$SANDBOX_DIR/sandbox.json"

failed=0
probe() { say "probe $*"; node out/src/cli/main.js probe "$@" || { failed=1; say "probe $* FAILED"; }; }
# app_x509 is REQUIRE X509, so DISABLED (plaintext) uses app_none; the refusal of app_x509 is checked below.
probe --sandbox tls:app_none --ssl-mode DISABLED
for mode in PREFERRED REQUIRED VERIFY_CA VERIFY_IDENTITY; do
  probe --sandbox tls:app_x509 --ssl-mode "$mode"
done
say "probe --sandbox tls:app_x509 --ssl-mode DISABLED (must be refused: the account requires TLS)"
if out=$(node out/src/cli/main.js probe --sandbox tls:app_x509 --ssl-mode DISABLED 2>&1); then
  failed=1; say "app_x509 connected without TLS: FAILED"
elif grep -q 'account-requires-tls' <<<"$out"; then
  say "refused as expected: $(head -1 <<<"$out")"
else
  failed=1; say "unexpected error: $out"
fi
if [ "$failed" != 0 ]; then say "some probes failed"; exit 1; fi
say "all five modes probed: OK"
if [ "$NO_UI" = 1 ]; then exit 0; fi

WORKSPACE="$SANDBOX_DIR/demo-workspace"
STATE=$(mktemp -d -t mysql-tls-demo.XXXXXX)
say "serving VS Code with the extension on http://127.0.0.1:$PORT/ (workspace ${WORKSPACE#"$ROOT"/}); Ctrl-C to stop"
# One D-Bus session with an unlocked keyring for both the password seeding and code-server's extension host.
status=0
bash scripts/e2e/with-keyring.sh bash -c '
  node out/scripts/demo/workspace.js "$1" --seed-keychain && exec node out/scripts/e2e/codeServer.js serve --workspace "$1" --port "$2" --state "$3"
' main "$WORKSPACE" "$PORT" "$STATE" || status=$?
# 130: Ctrl-C, the normal way to stop.
[ "$status" = 130 ] && status=0
exit $status
