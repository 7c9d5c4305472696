#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# run.sh - Run every integration test, or those named: PASS, FAIL or SKIP
#
# Usage: run.sh [TEST...]   (TEST: a script name without .sh)

cd "$(dirname "$0")" || exit 1
pass=0; failed=""; skipped=0; flaky=""

if [ $# -gt 0 ]; then
	tests=""
	for t in "$@"; do tests="$tests $t.sh"; done
else
	# run.sh, lib.sh, lab.sh and *_lib.sh are not tests
	tests=$(ls ./*.sh | sed 's|^\./||' |
		grep -v -e '^run.sh$' -e '^lib.sh$' -e '^lab.sh$' -e '_lib.sh$')
fi

for t in $tests; do
	name=${t%.sh}
	start=$(date +%s)
	out=$(bash "./$t" 2>&1)
	rc=$?
	# A test timed on a shared machine may lose a race under load: one
	# more run, named in the summary, so a real failure still fails
	if [ $rc != 0 ] && [ $rc != 77 ]; then
		# Why it failed first (a daemon log may follow it), then how
		# the output ended
		first=$(echo "$out" | grep -m 3 '^FAIL'; echo "  ..."
			echo "$out" | tail -12)
		out=$(bash "./$t" 2>&1)
		rc2=$?
		if [ $rc2 = 0 ]; then
			flaky="$flaky $name"
			echo "      first run of $name failed (status $rc):"
			echo "$first" | sed 's/^/      | /'
		fi
		rc=$rc2
	fi
	secs=$(( $(date +%s) - start ))
	case $rc in
	0)	echo "PASS  $name (${secs}s)"; pass=$((pass + 1)) ;;
	77)	echo "SKIP  $name: $(echo "$out" | grep '^SKIP' | tail -1)"
		skipped=$((skipped + 1)) ;;
	*)	echo "FAIL  $name (status $rc, ${secs}s)"
		echo "$out" | tail -40 | sed 's/^/      /'
		failed="$failed $name" ;;
	esac
done

[ -n "$flaky" ] && echo "integration: passed only on a second run:$flaky"
echo "integration: $pass passed, $skipped skipped, $(echo $failed | wc -w) failed"
[ -z "$failed" ]
