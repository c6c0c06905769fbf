#!/usr/bin/env bash
# Builds two VSIXs from one webpack bundle + media + docs (see .vscodeignore):
#   mysql-tls-<version>-linux-x64.vsix  with the native keytar module (secrets in the OS keychain), --target linux-x64
#   mysql-tls-<version>.vsix            universal: no native code, secrets in VS Code SecretStorage
#   bash scripts/e2e/package.sh            bundle and package (always)
#   bash scripts/e2e/package.sh --if-stale only when a VSIX is older than dist/ or package.json
# Prints the linux-x64 VSIX path on the last line (the e2e tier installs it); the universal one sits next to it.
# The other platforms' VSIXs are built on their own runners (.github/workflows/release.yml): keytar.node is native.
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=$(node -p 'require("./package.json").version')
VSIX="$PWD/mysql-tls-$VERSION-linux-x64.vsix"
VSIX_UNIVERSAL="$PWD/mysql-tls-$VERSION.vsix"

# (Any file under dist/ counts: webpack leaves an unchanged dist/extension.js alone while it rewrites dist/vendor/.)
fresh() {
  [ -f "$1" ] && [ -z "$(find dist -type f -newer "$1" -print -quit)" ] && [ ! package.json -nt "$1" ] && [ ! .vscodeignore -nt "$1" ] && [ ! "$0" -nt "$1" ]
}
if [ "${1:-}" = "--if-stale" ] && [ -f dist/extension.js ] && [ -d dist/vendor ] && fresh "$VSIX" && fresh "$VSIX_UNIVERSAL"; then
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
  // extension.js and the chunks it loads with import() (features, session, ...: webpack.config.js) require them.
  const scripts = fs.readdirSync("dist").filter((f) => f.endsWith(".js"));
  const code = scripts.map((f) => fs.readFileSync(path.join("dist", f), "utf8")).join("\n");
  const files = [...new Set([...code.matchAll(/require\("\.\/(vendor\/[^"]+\.js)"\)/g)].map((m) => m[1]))]
    .sort((a, b) => Number(b.includes("reflect-metadata")) - Number(a.includes("reflect-metadata")));
  for (const f of files) {
    try { require(path.resolve("dist", f)); } catch (e) { console.error(`package: dist/${f} (required by dist/extension.js) does not load: ${e.message.split("\n")[0]}`); process.exit(1); }
  }
  // The chunks must ship too (the first command or connect loads them).
  console.log([...files, ...scripts.filter((f) => f.endsWith(".chunk.js"))].join("\n"));
') || { echo "package: the vendor files are missing or broken; rebuild with npx webpack --mode production" >&2; exit 1; }
[ -f node_modules/keytar/build/Release/keytar.node ] \
  || echo "package: warning: node_modules/keytar/build/Release/keytar.node is missing; the VSIX will fall back to SecretStorage" >&2
# --allow-missing-repository: the project has no public repository URL yet (vsce would otherwise prompt).
# --no-rewrite-relative-links: README screenshots stay relative (docs/*.png) instead of needing that URL.
# stdin from /dev/null: a vsce question (missing README, ...) fails the build instead of hanging it.
VSCE_FLAGS=(--allow-missing-repository --no-rewrite-relative-links)
# Checks one VSIX: every vendor file is in it, and a native module only where expected ($2: yes|no).
check_vsix() {
  local vsix=$1 native=$2 listing
  listing=$(unzip -Z1 "$vsix")
  for f in $VENDOR_FILES; do
    grep -qx "extension/dist/$f" <<<"$listing" || { echo "package: $vsix lacks dist/$f (.vscodeignore?)" >&2; rm -f "$vsix"; exit 1; }
  done
  if [ "$native" = no ] && grep -qE '(\.node$|(^|/)node_modules/)' <<<"$listing"; then
    echo "package: the universal $vsix holds native or node_modules files:" >&2
    grep -E '(\.node$|(^|/)node_modules/)' <<<"$listing" >&2
    rm -f "$vsix"
    exit 1
  fi
  echo "package: $(basename "$vsix") $(du -k "$vsix" | cut -f1) KiB, $(wc -l <<<"$listing") files" >&2
}

rm -f "$VSIX" "$VSIX_UNIVERSAL"
npx vsce package --target linux-x64 "${VSCE_FLAGS[@]}" -o "$VSIX" </dev/null >&2 || { echo "package: vsce failed (linux-x64)" >&2; exit 1; }
check_vsix "$VSIX" yes

# The universal VSIX: the same allow-list without keytar (vsce has no --exclude; a generated ignore file it is).
IGNORE_UNIVERSAL=$(mktemp -t vscodeignore-universal.XXXXXX)
trap 'rm -f "$IGNORE_UNIVERSAL"' EXIT
grep -v '^!node_modules/' .vscodeignore >"$IGNORE_UNIVERSAL"
npx vsce package "${VSCE_FLAGS[@]}" --ignoreFile "$IGNORE_UNIVERSAL" -o "$VSIX_UNIVERSAL" </dev/null >&2 \
  || { echo "package: vsce failed (universal)" >&2; exit 1; }
check_vsix "$VSIX_UNIVERSAL" no
echo "$VSIX"
