#!/bin/sh
# expect.sh STATUS PATTERN [PATTERN...] -- COMMAND [ARG...]
# Runs COMMAND; passes iff it exits with STATUS and its output (stdout+stderr) matches every
# extended-regex PATTERN.  Prints the output either way, so a failing ctest shows it.
want=$1; shift
pats=""
n=0
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
  n=$((n + 1)); eval "pat$n=\$1"; shift
done
[ "$1" = "--" ] || { echo "expect.sh: missing --"; exit 2; }
shift
out=$("$@" 2>&1)
got=$?
printf '%s\n' "$out"
if [ "$got" -ne "$want" ]; then
  echo "expect.sh: exit status $got, expected $want"; exit 1
fi
i=1
while [ "$i" -le "$n" ]; do
  eval "p=\$pat$i"
  if ! printf '%s\n' "$out" | grep -Eq -- "$p"; then
    echo "expect.sh: output does not match: $p"; exit 1
  fi
  i=$((i + 1))
done
echo "expect.sh: ok (status $got, $n pattern(s))"
