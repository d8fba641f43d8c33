#!/usr/bin/env bash
# CI: build the Debian package, install it with dpkg on this machine, run the installed binary
# (--version, completions, demo), check the credentials file and the units, then purge it again.
# Fails when the package does not build or install, or the installed binary does not run.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/package-deb.sh
deb=$(ls -1t target/debian/qcc-credit_*.deb | head -n 1)
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

cleanup() { $sudo dpkg --purge qcc-credit >/dev/null 2>&1 || true; }
trap cleanup EXIT

$sudo dpkg -i "$deb"
installed=/usr/bin/qcc-credit
"$installed" --version
size=$(stat -c %s "$installed")
echo "installed binary: $size bytes"
[ "$size" -lt $((15 * 1024 * 1024)) ] || { echo "binary over 15 MiB" >&2; exit 1; }

mode=$(stat -c %a /etc/qcc-credit/credentials.env)
owner=$(stat -c %U /etc/qcc-credit/credentials.env)
[ "$mode" = 600 ] && [ "$owner" = root ] || { echo "credentials.env is $mode $owner, want 600 root" >&2; exit 1; }
dpkg-query -W -f='${Conffiles}\n' qcc-credit | grep -q /etc/qcc-credit/credentials.env \
    || { echo "credentials.env is not a conffile" >&2; exit 1; }
getent passwd qcc >/dev/null || { echo "no qcc system user" >&2; exit 1; }
[ "$(stat -c %U /var/lib/qcc-credit)" = qcc ] || { echo "/var/lib/qcc-credit not owned by qcc" >&2; exit 1; }
dpkg-query -W -f='${Conffiles}\n' qcc-credit | grep -q /etc/qcc-credit/notify.toml \
    || { echo "notify.toml is not a conffile" >&2; exit 1; }
# The installed notification file (every channel commented out) reads, and sends nothing.
"$installed" notify --config /etc/qcc-credit/notify.toml --test | grep -q "no \[\[channel\]\] configured" \
    || { echo "the installed notify.toml does not read" >&2; exit 1; }
grep -q "^OnFailure=qcc-credit-alert@%n.service" /lib/systemd/system/qcc-credit.service
grep -q -- "--notify-config /etc/qcc-credit/notify.toml" /lib/systemd/system/qcc-credit.service
for unit in qcc-credit.service qcc-credit.timer qcc-credit-alert@.service; do
    [ -f "/lib/systemd/system/$unit" ] || { echo "missing $unit" >&2; exit 1; }
done
[ -f /usr/share/man/man1/qcc-credit.1.gz ] || { echo "no man page" >&2; exit 1; }
bash -n /usr/share/bash-completion/completions/qcc-credit

work=$(mktemp -d)
(cd "$work" && "$installed" demo --db demo.sqlite >demo.out 2>demo.err) \
    || { cat "$work/demo.err" >&2; echo "the installed demo failed" >&2; exit 1; }
grep -q "退出码 0：全部完成" "$work/demo.out"
rm -rf "$work"
echo "Debian package installs and runs: ok"
