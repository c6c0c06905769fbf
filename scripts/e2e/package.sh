#!/usr/bin/env bash
# Builds the VSIX: webpack bundle + media + docs + the native keytar module (see .vscodeignore).
#   bash scripts/e2e/package.sh            bundle and package (always)
#   bash scripts/e2e/package.sh --if-stale only when the VSIX is older than the bundle or package.json
# Prints the VSIX path on the last line. The VSIX is platform-specific (keytar.node), hence --target.
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=$(node -p 'require("./package.json").version')
VSIX="$PWD/mysql-tls-$VERSION-linux-x64.vsix"

if [ "${1:-}" = "--if-stale" ] && [ -f "$VSIX" ] && [ -f dist/extension.js ] \
  && [ ! dist/extension.js -nt "$VSIX" ] && [ ! package.json -nt "$VSIX" ] && [ ! .vscodeignore -nt "$VSIX" ]; then
  echo "$VSIX"
  exit 0
fi
if [ "${1:-}" != "--if-stale" ] || [ ! -f dist/extension.js ]; then
  npx webpack --mode production >/dev/null
fi
[ -f node_modules/keytar/build/Release/keytar.node ] \
  || echo "package: warning: node_modules/keytar/build/Release/keytar.node is missing; the VSIX will fall back to SecretStorage" >&2
# --allow-missing-repository: the project has no public repository URL yet (vsce would otherwise prompt).
# --no-rewrite-relative-links: README screenshots stay relative (docs/*.png) instead of needing that URL.
rm -f "$VSIX"
# stdin from /dev/null: a vsce question (missing README, ...) fails the build instead of hanging it.
npx vsce package --target linux-x64 --allow-missing-repository --no-rewrite-relative-links -o "$VSIX" </dev/null >&2 \
  || { echo "package: vsce failed" >&2; exit 1; }
echo "package: $(basename "$VSIX") $(du -k "$VSIX" | cut -f1) KiB, $(unzip -Z1 "$VSIX" | wc -l) files" >&2
echo "$VSIX"
