#!/bin/sh
# Sum the checks of every test log under the given build dirs and print "N passed, N failed".
# Check programs print "NN%: Checks: T, Failures: F, Errors: E"; shell tests "x: P passed,
# F failed"; a test that died without its line counts as one failure. EXTRA_FAILED adds the
# steps that are not tests (a build or make distcheck that failed).
passed=0
failed=${EXTRA_FAILED:-0}
for dir in "$@"; do
	[ -d "$dir" ] || continue
	for trs in $(find "$dir" -name '*.trs' -not -path '*/_build/*' 2>/dev/null); do
		log=${trs%.trs}.log
		result=$(sed -n 's/^:test-result: //p' "$trs")
		line=$(grep -E 'Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' "$log" 2>/dev/null | tail -n 1)
		if [ -n "$line" ]; then
			t=$(echo "$line" | sed 's/.*Checks: \([0-9]*\).*/\1/')
			f=$(echo "$line" | sed 's/.*Failures: \([0-9]*\).*/\1/')
			e=$(echo "$line" | sed 's/.*Errors: \([0-9]*\).*/\1/')
			passed=$((passed + t - f - e))
			failed=$((failed + f + e))
		else
			line=$(grep -E '^[A-Za-z_0-9-]+: [0-9]+ passed, [0-9]+ failed$' "$log" 2>/dev/null | tail -n 1)
			if [ -n "$line" ]; then
				p=$(echo "$line" | sed 's/.*: \([0-9]*\) passed.*/\1/')
				f=$(echo "$line" | sed 's/.* \([0-9]*\) failed$/\1/')
				passed=$((passed + p))
				failed=$((failed + f))
			fi
		fi
		# A program that crashed or exited non-zero after a clean summary still fails once.
		case "$result" in
		PASS | SKIP | XFAIL) ;;
		*)
			if [ -z "$line" ] || echo "$line" | grep -qE 'Failures: 0, Errors: 0|: [0-9]+ passed, 0 failed$'; then
				failed=$((failed + 1))
			fi
			;;
		esac
	done
done
echo "$passed passed, $failed failed"
