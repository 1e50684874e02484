#!/usr/bin/env bash
# bench.sh measures how many trivial jobs (true) per second parx, xargs -P and, when
# it is installed, GNU parallel run, side by side, on the same input.
#
# Usage: cmd/parx/bench.sh [JOBS [PARALLELISM [ROUNDS]]]     (default: 20000 8 3)
#
# The tools take turns, ROUNDS times, so that a busy machine slows them alike; the
# best and the median time of each are reported. GNU parallel, much slower, runs in
# the first round only. parx runs true directly, as xargs does (its command needs no
# shell); "parx --shell" runs it with /bin/sh -c, as GNU parallel always does.
set -euo pipefail

jobs=${1:-20000}
par=${2:-8}
rounds=${3:-3}

here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$here" && go build -o "$tmp/parx" .)
seq "$jobs" >"$tmp/input"

names=("parx" "parx --shell" "xargs -P")
cmds=("$tmp/parx -j $par true" "$tmp/parx --shell -j $par true" "xargs -P $par -n 1 true")
if command -v parallel >/dev/null; then
	names+=("GNU parallel")
	cmds+=("parallel --will-cite -j $par true")
fi

# measure runs a command line on the input and prints the seconds it took.
measure() {
	local start end
	start=$(date +%s.%N)
	$1 <"$tmp/input" >/dev/null
	end=$(date +%s.%N)
	awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f\n", e - s }'
}

echo "$jobs true jobs, $par at once, $rounds rounds, on $(nproc) CPUs ($(uname -sr))"
declare -A times
for ((r = 1; r <= rounds; r++)); do
	for i in "${!names[@]}"; do
		if [[ ${names[$i]} == "GNU parallel" && $r -gt 1 ]]; then
			continue
		fi
		t=$(measure "${cmds[$i]}")
		times[$i]="${times[$i]:-} $t"
		printf '  round %d  %-13s %8.3fs\n' "$r" "${names[$i]}" "$t"
	done
done

echo
printf '%-13s %10s %10s %12s %12s\n' tool "best s" "median s" "best jobs/s" "median jobs/s"
for i in "${!names[@]}"; do
	# shellcheck disable=SC2086
	echo ${times[$i]} | tr ' ' '\n' | sort -n | awk -v name="${names[$i]}" -v n="$jobs" '
		{ t[NR] = $1 }
		END {
			m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
			printf "%-13s %10.3f %10.3f %12.0f %12.0f\n", name, t[1], m, n / t[1], n / m
		}'
done
