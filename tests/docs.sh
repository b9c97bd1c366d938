#!/usr/bin/env bash
# The documentation written from the command table, checked as users meet it:
#   readme      README.md's "Commands" block is exactly the listing of `qbi-runner --help`
#               (both come from runner/cli/commands.cpp: the README cannot drift from --help);
#               every command's --help has examples; docs/job-files.md's examples validate
#   man         the built pages render with `man --warnings` without a warning, and are what
#               the binaries print now (`help --man`, `qbi-sim --man`)
#   completion  the built bash completion, sourced in bash: `complete -p`, commands, options per
#               command, option values, job files for FILE operands
# Usage: docs.sh readme|man|completion SOURCE_DIR BUILD_DIR
set -euo pipefail
what=$1
src=$2
build=$3
runner=$build/bin/qbi-runner
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

case $what in
readme)
  "$runner" --help | awk '/^qbi-runner \[/ {on = 1} on && /^$/ {exit} on' >"$work/help"
  awk '/^## Commands/ {s = 1; next} s == 1 && /^```/ {s = 2; next} s == 2 && /^```/ {exit}
       s == 2' "$src/README.md" >"$work/readme"
  [ -s "$work/help" ] || fail "no command listing in qbi-runner --help"
  diff -u "$work/readme" "$work/help" ||
    fail "README.md's Commands block differs from qbi-runner --help (paste the + lines above)"
  # Every command's options and examples are documented in its own --help.
  for cmd in $(awk '/^  [a-z]/ {print $1}' "$work/help"); do
    "$runner" "$cmd" --help >"$work/cmd" || fail "$cmd --help failed"
    grep -q '^Examples:$' "$work/cmd" || fail "$cmd --help shows no examples"
    grep -q "^  qbi-runner .*$cmd\|^  systemctl\|^  source" "$work/cmd" || fail "$cmd --help: no example of $cmd"
  done
  # The job file examples of qbi-runner-jobs(5) are valid job files.
  awk -v dir="$work" '/^```/ {if (on) {on = 0; close(f)} else {on = 1; f = dir "/example" ++n ".yaml"}; next}
       on {print > f}' "$src/docs/job-files.md"
  ls "$work"/example*.yaml >/dev/null 2>&1 || fail "no examples in docs/job-files.md"
  HOME=$work "$runner" validate "$work"/example*.yaml >/dev/null || fail "an example of docs/job-files.md is invalid"
  echo "README command list and --help agree; the job file page's examples are valid"
  ;;
man)
  for page in qbi-runner.1 qbi-runner-jobs.5 qbi-sim.1; do
    [ -s "$build/man/$page" ] || fail "$build/man/$page was not built"
    warnings=$(MANWIDTH=80 man --warnings -l "$build/man/$page" 2>&1 >/dev/null)
    [ -z "$warnings" ] || fail "$page: $warnings"
  done
  "$runner" help --man qbi-runner | cmp - "$build/man/qbi-runner.1" || fail "qbi-runner.1 is stale"
  "$runner" help --man qbi-runner-jobs | cmp - "$build/man/qbi-runner-jobs.5" || fail "qbi-runner-jobs.5 is stale"
  "$build/bin/qbi-sim" --man | cmp - "$build/man/qbi-sim.1" || fail "qbi-sim.1 is stale"
  MANWIDTH=80 man -l "$build/man/qbi-runner.1" >"$work/page" 2>/dev/null
  for heading in NAME SYNOPSIS COMMANDS "GLOBAL OPTIONS" CONFIGURATION ENVIRONMENT "EXIT STATUS"; do
    grep -qx "$heading" "$work/page" || fail "qbi-runner(1) has no $heading section"
  done
  grep -q -- "--verbose" "$work/page" || fail "qbi-runner(1) does not document -v"
  grep -q "NO_COLOR" "$work/page" || fail "qbi-runner(1) does not document NO_COLOR"
  grep -q "serve.grace" "$work/page" || fail "qbi-runner(1) lacks the keys of config/runner.ini"
  MANWIDTH=80 man -l "$build/man/qbi-sim.1" 2>/dev/null | grep -q -- "--halt-after N CODE" ||
    fail "qbi-sim(1) lacks its options"
  bad=$("$runner" help --man nosuch 2>&1 >/dev/null) && fail "help --man nosuch succeeded"
  [ "$bad" = "qbi-runner: error: --man: expected qbi-runner or qbi-runner-jobs" ] || fail "$bad"
  echo "man pages render without warnings"
  ;;
completion)
  mkdir "$work/jobs.d"
  touch "$work/leaver.yaml" "$work/group.yml" "$work/notes.txt"
  cd "$work"
  # shellcheck disable=SC2016
  result=$(bash --norc --noprofile -c '
    source "$1"
    complete -p qbi-runner
    c() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
          _qbi_runner; printf "%s|" "$*"; printf "%s " $(printf "%s\n" "${COMPREPLY[@]}" | sort); echo; }
    c qbi-runner st
    c qbi-runner -v --db q.db re
    c qbi-runner run --w
    c qbi-runner audit export --format ""
    c qbi-runner audit ""
    c qbi-runner validate ""
    c qbi-runner plan -o ""
    c qbi-runner --signature ""
    c qbi-runner tasks j --state f
    c qbi-runner status --j
  ' bash "$build/completion/qbi-runner")
  expected='complete -F _qbi_runner qbi-runner
qbi-runner st|status 
qbi-runner -v --db q.db re|report rerun 
qbi-runner run --w|--workers 
qbi-runner audit export --format |csv jsonl 
qbi-runner audit |export verify 
qbi-runner validate |group.yml jobs.d leaver.yaml 
qbi-runner plan -o |group.yml jobs.d leaver.yaml notes.txt 
qbi-runner --signature |v1 v3 
qbi-runner tasks j --state f|failed 
qbi-runner status --j|--json '
  [ "$result" = "$expected" ] || {
    diff <(echo "$expected") <(echo "$result") >&2 || true
    fail "bash completion"
  }
  echo "bash completion works"
  ;;
*) fail "unknown check $what" ;;
esac
