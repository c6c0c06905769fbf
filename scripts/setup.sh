#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian machine: Debian packages (MariaDB server and client,
# a Secret Service, Chromium, build tools for keytar and code-server) and the npm dependencies.
# Idempotent: packages already present are not installed again.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(mariadb-server mariadb-client openssh-server openssh-client gnome-keyring libsecret-1-dev libsecret-tools dbus-x11 dbus
  chromium ripgrep openssl libkrb5-dev libxkbfile-dev libx11-dev build-essential python3 iproute2 procps)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies"
  npm install --no-audit --no-fund --loglevel=error
fi
