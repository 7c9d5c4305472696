#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# run.sh - Run libFuzzer harnesses for a bounded time each (make fuzz)
#
# Usage: FUZZ_DIR=DIR FUZZ_SECONDS=N run.sh HARNESS...
#
# Each harness DIR/HARNESS runs for N seconds, starting from its committed
# seeds (tests/fuzz/corpus/HARNESS, read only) and what earlier runs found
# (DIR/corpus/HARNESS, where new inputs go). A crash, sanitizer report,
# leak or broken invariant fails the harness: its input is saved under
# DIR/artifacts/HARNESS/ and the end of its log is shown; reproduce with
# 'DIR/HARNESS FILE'. One line per harness goes to stdout and to
# DIR/summary: executions, coverage (edges), corpus size.

cd "$(dirname "$0")" || exit 1
: "${FUZZ_DIR:?FUZZ_DIR names the directory of the harnesses}"
: "${FUZZ_SECONDS:=10}"

# Leaks in libraries, not ours (see the file); the rest stays fatal
LSAN_OPTIONS="suppressions=$(pwd)/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS

summary=$FUZZ_DIR/summary
: > "$summary"
pass=0
failed=""

for h in "$@"; do
	bin=$FUZZ_DIR/$h
	work=$FUZZ_DIR/corpus/$h
	art=$FUZZ_DIR/artifacts/$h/
	log=$FUZZ_DIR/$h.log
	mkdir -p "$work" "$art"
	seeds=""
	[ -d "corpus/$h" ] && seeds="corpus/$h"

	case $h in
	fwd_spec)	max_len=1024 ;;
	*)		max_len=65536 ;;
	esac

	# shellcheck disable=SC2086
	"$bin" -max_total_time="$FUZZ_SECONDS" -max_len="$max_len" \
		-timeout=30 -rss_limit_mb=4096 -print_final_stats=1 \
		-artifact_prefix="$art" "$work" $seeds > "$log" 2>&1
	rc=$?

	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(sed -n 's/.*DONE *cov: \([0-9]*\).*/\1/p' "$log" | tail -1)
	corp=$(sed -n 's/.*DONE.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p' \
		"$log" | tail -1)
	line="$h: ${execs:-0} executions in ${FUZZ_SECONDS}s, coverage ${cov:-?} edges, corpus ${corp:-?}"
	if [ "$rc" = 0 ] && [ -n "$execs" ]; then
		echo "PASS  $line"
		pass=$((pass + 1))
	else
		echo "FAIL  $line (status $rc)"
		grep -E "^(fuzz:|SUMMARY|==[0-9]+==ERROR)|Test unit written" \
			"$log" | head -10 | sed 's/^/      /'
		tail -5 "$log" | sed 's/^/      /'
		failed="$failed $h"
	fi
	echo "$line" >> "$summary"
done

echo "fuzz: $pass passed, $(echo $failed | wc -w) failed"
[ -z "$failed" ]
