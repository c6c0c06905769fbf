#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked gnome-keyring (a real Secret Service),
# so keytar in the extension host and in the test process talk to the same keychain. The keyring's files
# live in a temp folder that is removed afterwards; nothing touches the user's own keychain.
#   bash scripts/e2e/with-keyring.sh CMD [ARGS...]
set -euo pipefail
if [ "${MYSQL_TLS_IN_KEYRING:-}" != "1" ]; then
  command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null \
    || { echo "with-keyring: needs dbus-run-session and gnome-keyring-daemon (Debian: dbus, gnome-keyring)" >&2; exit 1; }
  KEYRING_HOME=$(mktemp -d -t mysql-tls-keyring.XXXXXX)
  trap 'rm -rf "$KEYRING_HOME"' EXIT
  status=0
  MYSQL_TLS_IN_KEYRING=1 KEYRING_HOME="$KEYRING_HOME" dbus-run-session -- bash "$0" "$@" || status=$?
  exit $status
fi
mkdir -p "$KEYRING_HOME/data" "$KEYRING_HOME/runtime"
chmod 700 "$KEYRING_HOME/runtime"
export XDG_DATA_HOME="$KEYRING_HOME/data" XDG_RUNTIME_DIR="$KEYRING_HOME/runtime"
# --unlock reads the new login keyring's password from stdin; it prints env assignments we do not need.
echo -n mysql-tls | gnome-keyring-daemon --unlock --components=secrets >/dev/null
# Our daemon is the one whose environment carries this session's KEYRING_HOME (others may run theirs).
keyring_pid=""
for p in $(pgrep -u "$(id -u)" gnome-keyring-d || true); do
  if tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null | grep -qxF "KEYRING_HOME=$KEYRING_HOME"; then keyring_pid=$p; fi
done
status=0
"$@" || status=$?
# dbus-run-session ends the bus; stop the daemon we started too, so nothing outlives the command.
[ -n "$keyring_pid" ] && kill "$keyring_pid" 2>/dev/null || true
exit $status
