#!/bin/sh
# `npm test`: the typecheck and the lint (npm run checks) run beside vitest instead of before it.
# They are one core's work for about a minute, and vitest's two workers leave a core idle for much
# of the run (files waiting on DynamoDB Local, Chromium or a JVM start). Their output is kept apart
# and printed when vitest ends; the exit status fails if either failed. Arguments go to vitest
# (`npm test -- --project unit`).
log=$(mktemp "${TMPDIR:-/tmp}/tally-checks.XXXXXX")
npm run --silent checks >"$log" 2>&1 &
checks=$!
vitest run "$@"
tests=$?
wait "$checks"
checked=$?
echo "npm run checks (typecheck, biome, fence): exit $checked"
cat "$log"
rm -f "$log"
[ "$tests" -eq 0 ] && [ "$checked" -eq 0 ]
