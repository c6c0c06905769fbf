#!/usr/bin/env bash
# Installs code-server 4.100.3 (VS Code 1.100.3, the last release that runs on Node 20) into .tools/code-server.
# Idempotent: does nothing when the right version is already there. Needs only the npm registry: the ripgrep
# binary code-server's postinstall would download is seeded from Debian's /usr/bin/rg.
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=4.100.3
TOOLS="$PWD/.tools/code-server"
BIN="$TOOLS/node_modules/.bin/code-server"

installed() {
  [ -x "$BIN" ] && [ "$(node -p "require('$TOOLS/node_modules/code-server/package.json').version" 2>/dev/null)" = "$VERSION" ]
}
if installed; then
  echo "tools: code-server $VERSION already installed"
  exit 0
fi

command -v rg >/dev/null || { echo "tools: ripgrep (Debian package ripgrep) is required" >&2; exit 1; }
start=$(date +%s)
# @vscode/ripgrep's postinstall looks for this exact archive in its cache before downloading.
CACHE="$(node -p 'require("os").tmpdir()')/vscode-ripgrep-cache-1.15.11"
ARCHIVE="$CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -s "$ARCHIVE" ]; then
  mkdir -p "$CACHE"
  stage=$(mktemp -d)
  cp "$(command -v rg)" "$stage/rg"
  tar -czf "$ARCHIVE" -C "$stage" rg
  rm -rf "$stage"
fi

mkdir -p "$TOOLS"
[ -f "$TOOLS/package.json" ] || echo '{ "name": "mysql-tls-tools", "private": true }' > "$TOOLS/package.json"
echo "tools: installing code-server $VERSION into .tools/code-server (about a minute)"
(cd "$TOOLS" && npm_config_yes=true npm install "code-server@$VERSION" --unsafe-perm --no-audit --no-fund --loglevel=error)
installed || { echo "tools: code-server install did not produce $BIN" >&2; exit 1; }
echo "tools: code-server $VERSION installed in $(( $(date +%s) - start ))s"
