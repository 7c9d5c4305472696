#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# lint.sh - Static checks: the whole tree built with gcc and clang (-Werror),
# then cppcheck and clang-tidy on every C file. Exit status 1 on any finding.

set -eu
cd "$(dirname "$0")/.."
LINT=${LINT_BUILD:-build/lint}
fail=0
mkdir -p "$LINT"

for cc in gcc clang; do
	echo "lint: building with $cc"
	make -s BUILD="$LINT/$cc" CC="$cc" all unit-bins \
		> "$LINT/$cc.log" 2>&1 || { cat "$LINT/$cc.log"; fail=1; }
done

SRCS=$(find core modules backends tests -name '*.c' | sort)
GEN="-I$LINT/gcc/gen/core"
for d in $LINT/gcc/gen/*/; do GEN="$GEN -I$d"; done

echo "lint: cppcheck"
cppcheck --quiet --error-exitcode=1 --inline-suppr --std=c11 \
	--enable=warning,style,performance,portability \
	--suppress=missingIncludeSystem --suppress=missingInclude \
	--suppress=unusedStructMember --suppress=constParameterCallback \
	--suppress=knownConditionTrueFalse:tests/* \
	--suppress=variableScope --suppress=constParameter \
	-D_GNU_SOURCE -D__GNUC__ -Iinclude -Icore -Itests/unit $GEN \
	$SRCS || fail=1

echo "lint: clang-tidy"
for f in $SRCS; do
	# Each module has its own syscalls.gen.h: only its directory
	case $f in
	modules/*|backends/*)
		m=$(basename "$(dirname "$f")")
		inc="-Iinclude -I$LINT/gcc/gen/$m" ;;
	tests/fuzz/*)
		inc="-Iinclude -Icore -Itests/unit -Ibackends/vhost_user"
		inc="$inc -I$LINT/gcc/gen/core" ;;
	tests/unit/modules/*)
		m=$(basename "$f" _test.c)
		inc="-Iinclude -Itests/unit -Imodules/$m -Ibackends/$m"
		inc="$inc -I$LINT/gcc/gen/$m" ;;
	*)
		inc="-Iinclude -Icore -Itests/unit -I$LINT/gcc/gen/core" ;;
	esac
	clang-tidy --quiet "$f" -- -std=gnu11 -D_GNU_SOURCE $inc \
		-DVERSION='"lint"' -DMODULEDIR='"/"' 2>/dev/null |
		grep -E "(warning|error):" && fail=1
done

[ $fail = 0 ] && echo "lint: clean"
exit $fail
