#!/bin/sh
# Tests: install what is missing, build, run the whole suite; prints "N passed, N failed".
# With SANITIZE=1 the suite also runs under AddressSanitizer + UBSan (build-asan/).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh" || exit 1

status=0
EXTRA_FAILED=0
run_suite() { # run_suite BUILD_DIR [configure options]
	dir=$1; shift
	echo "== $(basename "$dir") : compilation"
	BUILD_DIR=$dir "$top/scripts/build.sh" --enable-werror "$@" ||
		{ status=1; EXTRA_FAILED=$((EXTRA_FAILED + 1)); return; }
	echo "== $(basename "$dir") : tests"
	(cd "$dir" && make -s -j2 check) >"$dir/check.out" 2>&1 || status=1
	grep -E '^(PASS|FAIL|XFAIL|XPASS|ERROR|SKIP):' "$dir/check.out" || cat "$dir/check.out"
	# What failed, with its own words, so that a CI log is enough to see why.
	for t in $(sed -n 's/^\(FAIL\|ERROR\): //p' "$dir/check.out"); do
		echo "---- $t"
		grep -E '^not ok|Failures: [1-9]|Errors: [1-9]|:F:|:E:' "$dir/$t.log" 2>/dev/null |
			head -20
	done
}

run_suite "$top/build"
if [ "${SANITIZE:-0}" = 1 ]; then
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		run_suite "$top/build-asan" --enable-sanitizers
fi
if [ "${DISTCHECK:-0}" = 1 ]; then
	echo "== distcheck"
	(cd "$top/build" && make -s distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror) \
		>"$top/build/distcheck.out" 2>&1 || {
		status=1
		EXTRA_FAILED=$((EXTRA_FAILED + 1))
		echo "---- make distcheck failed:"
		grep -E '^(FAIL|ERROR):' "$top/build/distcheck.out"
		# What failed inside the distribution tree (distcheck leaves it on failure)
		for t in $(sed -n 's/^\(FAIL\|ERROR\): //p' "$top/build/distcheck.out"); do
			for log in $(find "$top/build" -path "*/_build/*/$t.log" 2>/dev/null); do
				echo "---- $t (distcheck)"
				grep -E '^not ok|Failures: [1-9]|Errors: [1-9]|:F:|:E:' "$log" | head -20
			done
		done
		tail -30 "$top/build/distcheck.out"
	}
	grep -m 1 'archives ready for distribution' "$top/build/distcheck.out"
fi
EXTRA_FAILED=$EXTRA_FAILED "$top/scripts/count-results.sh" "$top/build" ${SANITIZE:+"$top/build-asan"}
exit $status
