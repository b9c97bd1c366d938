#!/usr/bin/env bash
# Checks the packages of build-deb.sh as an administrator would meet them (make test-deb, CI):
#   lintian: no errors (warnings and notes are printed);
#   the runner package unpacked into a scratch root (dpkg -x): its qbi-runner runs (version,
#   --help), its man pages (and qbi-sim's) render with `man --warnings` without a warning, its
#   bash completion registers, runner.ini is a conffile, its units name /usr/bin/qbi-runner and
#   pass `systemd-analyze verify` against the scratch root (--root: the ExecStart= binary must
#   exist there; the host's own units and /bin/kill are copied in for the dependencies);
#   `qbi-runner demo` from the scratch root finds the packaged examples and qbi-sim.
# Usage: check-deb.sh DEB_DIR
set -euo pipefail
dir=$(realpath "$1")
runner_deb=$(ls "$dir"/qbi-runner_*.deb)
sim_deb=$(ls "$dir"/qbi-sim_*.deb)
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
echo "== lintian"
rc=0
report=$(lintian --fail-on error --display-info "$runner_deb" "$sim_deb" 2>&1) || rc=$?
echo "$report" | grep -v '^running with root privileges' || true
[ "$rc" -eq 0 ] || fail "lintian reports errors (exit $rc)"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg -x "$runner_deb" "$root"
dpkg -x "$sim_deb" "$root"
echo "== qbi-runner from the package"
version=$(dpkg-deb -f "$runner_deb" Version)
[ "$("$root/usr/bin/qbi-runner" version)" = "qbi-runner ${version%-*}" ] ||
  fail "qbi-runner version does not print ${version%-*}"
"$root/usr/bin/qbi-runner" --help >/dev/null || fail "qbi-runner --help"
dpkg-deb -f "$runner_deb" Depends | grep -q libpoconetssl || fail "Depends lacks the shared libraries"
[ "$(dpkg-deb --ctrl-tarfile "$runner_deb" | tar -xO ./conffiles)" = /etc/qbi-runner/runner.ini ] ||
  fail "runner.ini is not a conffile"
echo "== man pages"
for page in man1/qbi-runner.1.gz man5/qbi-runner-jobs.5.gz man1/qbi-sim.1.gz; do
  [ -s "$root/usr/share/man/$page" ] || fail "$page is not packaged"
  warnings=$(MANWIDTH=80 man --warnings -l "$root/usr/share/man/$page" 2>&1 >/dev/null)
  [ -z "$warnings" ] || fail "$page: $warnings"
  MANWIDTH=80 man -l "$root/usr/share/man/$page" 2>/dev/null | head -1
done
echo "== bash completion"
[ "$(bash --norc -c 'source "$1" && complete -p qbi-runner' bash \
  "$root/usr/share/bash-completion/completions/qbi-runner")" = "complete -F _qbi_runner qbi-runner" ] ||
  fail "the completion does not register"
echo "== systemd units"
units=(qbi-runner.service qbi-runner-batch.service qbi-runner-batch.timer)
for unit in "${units[@]}"; do
  [ -f "$root/lib/systemd/system/$unit" ] || fail "$unit is not packaged"
  ! grep -n /usr/local "$root/lib/systemd/system/$unit" || fail "$unit names /usr/local"
done
for unit in qbi-runner.service qbi-runner-batch.service; do
  grep -q "^ExecStart=/usr/bin/qbi-runner " "$root/lib/systemd/system/$unit" ||
    fail "$unit: ExecStart= is not /usr/bin/qbi-runner"
done
mkdir -p "$root/usr/lib/systemd" "$root/bin"
cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
cp /bin/kill "$root/bin/kill"
systemd-analyze verify --recursive-errors=yes --root="$root" "${units[@]/#//lib/systemd/system/}" ||
  fail "systemd-analyze verify"
echo "== demo from the package"
demo=$(cd "$root" && HOME=$root "$root/usr/bin/qbi-runner" demo --no-faults --workers 4 2>&1) || {
  echo "$demo" | tail -20
  fail "qbi-runner demo from the package"
}
echo "$demo" | grep -F "== submit $root/usr/share/qbi-runner/examples" >/dev/null ||
  fail "the demo did not use the packaged examples"
echo "packages checked"
