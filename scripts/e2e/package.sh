#!/usr/bin/env bash
# Builds the VSIX: webpack bundle + media + docs + the native keytar module (see .vscodeignore).
#   bash scripts/e2e/package.sh            bundle and package (always)
#   bash scripts/e2e/package.sh --if-stale only when the VSIX is older than dist/ or package.json
# Prints the VSIX path on the last line. The VSIX is platform-specific (keytar.node), hence --target.
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=$(node -p 'require("./package.json").version')
VSIX="$PWD/mysql-tls-$VERSION-linux-x64.vsix"

# (Any file under dist/ counts: webpack leaves an unchanged dist/extension.js alone while it rewrites dist/vendor/.)
if [ "${1:-}" = "--if-stale" ] && [ -f "$VSIX" ] && [ -f dist/extension.js ] && [ -d dist/vendor ] \
  && [ -z "$(find dist -type f -newer "$VSIX" -print -quit)" ] && [ ! package.json -nt "$VSIX" ] && [ ! .vscodeignore -nt "$VSIX" ]; then
  echo "$VSIX"
  exit 0
fi
if [ "${1:-}" != "--if-stale" ] || [ ! -f dist/extension.js ] || [ ! -d dist/vendor ]; then
  npx webpack --mode production >/dev/null
fi
# dist/extension.js requires its lazily loaded libraries from dist/vendor/ (webpack.config.js): each must exist
# and load from dist/ alone, or the packaged extension fails on first connect / certificate work.
VENDOR_FILES=$(node -e '
  const fs = require("fs"), path = require("path");
  // reflect-metadata first: @peculiar/x509 needs its polyfill loaded (generate.ts requires it first too).
  const files = [...fs.readFileSync("dist/extension.js", "utf8").matchAll(/require\("\.\/(vendor\/[^"]+\.js)"\)/g)].map((m) => m[1])
    .sort((a, b) => Number(b.includes("reflect-metadata")) - Number(a.includes("reflect-metadata")));
  for (const f of files) {
    try { require(path.resolve("dist", f)); } catch (e) { console.error(`package: dist/${f} (required by dist/extension.js) does not load: ${e.message.split("\n")[0]}`); process.exit(1); }
  }
  console.log(files.join("\n"));
') || { echo "package: the vendor files are missing or broken; rebuild with npx webpack --mode production" >&2; exit 1; }
[ -f node_modules/keytar/build/Release/keytar.node ] \
  || echo "package: warning: node_modules/keytar/build/Release/keytar.node is missing; the VSIX will fall back to SecretStorage" >&2
# --allow-missing-repository: the project has no public repository URL yet (vsce would otherwise prompt).
# --no-rewrite-relative-links: README screenshots stay relative (docs/*.png) instead of needing that URL.
rm -f "$VSIX"
# stdin from /dev/null: a vsce question (missing README, ...) fails the build instead of hanging it.
npx vsce package --target linux-x64 --allow-missing-repository --no-rewrite-relative-links -o "$VSIX" </dev/null >&2 \
  || { echo "package: vsce failed" >&2; exit 1; }
LISTING=$(unzip -Z1 "$VSIX")
for f in $VENDOR_FILES; do
  grep -qx "extension/dist/$f" <<<"$LISTING" || { echo "package: $VSIX lacks dist/$f (.vscodeignore?)" >&2; rm -f "$VSIX"; exit 1; }
done
echo "package: $(basename "$VSIX") $(du -k "$VSIX" | cut -f1) KiB, $(wc -l <<<"$LISTING") files" >&2
echo "$VSIX"
