#!/usr/bin/env bash
# Runs every RandomDemo test on this machine: installs what is missing, builds, runs the tests
# (real processes, real browser), and ends with one line "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

bash scripts/install-prerequisites.sh

results=TestResults
rm -rf "$results"
status=0
dotnet test RandomDemo.sln --nologo \
  --logger "trx;LogFileName=results.trx" --logger "console;verbosity=normal" \
  --results-directory "$results" \
  --blame-hang-timeout 10m "$@" || status=$?

trx=$(find "$results" -name '*.trx' 2>/dev/null | head -n 1)
if [[ -z "$trx" ]]; then
  echo "test.sh: no test results were written (did the build fail?)" >&2
  exit "$((status == 0 ? 1 : status))"
fi

counter() { grep -o "<Counters [^>]*" "$trx" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]\+'; }
passed=$(counter passed)
failed=$(($(counter failed) + $(counter error) + $(counter timeout) + $(counter aborted)))
skipped=$(counter notExecuted)
# The names of the failed tests and the first line of each message, next to the closing line,
# where a log cut to its tail still shows them.
awk 'function report() { if (name != "") print "failed: " name (message == "" ? "" : " -- " message); name = message = "" }
     /<UnitTestResult / { report() }
     /<UnitTestResult .*outcome="(Failed|Error|Timeout|Aborted)"/ { match($0, /testName="[^"]*"/); name = substr($0, RSTART + 10, RLENGTH - 11) }
     name != "" && message == "" && /<Message>/ { message = $0; sub(/.*<Message>/, "", message); sub(/<\/Message>.*/, "", message) }
     END { report() }' "$trx"
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
exit "$status"
