#!/bin/sh
# abtest.sh compares two commits of the library side by side: it builds this module's
# test binary at each commit (in temporary git worktrees), then runs the chosen cells
# alternately, one batch per process, futures at both commits and the floor and pond
# once per round, and prints the median, min and max of each in ns/task.
#
#   bench/abtest.sh ROUNDS OLD NEW 'CELLS'
#   bench/abtest.sh 7 3617270 main 'A/w=2 A/w=64 B/w=2 E/w=2'
#
# A cell is a workload of BenchmarkA..G and a pool size, as in the table: A/w=2, D/w=1000.
set -eu
rounds=$1 old=$2 new=$3 cells=$4
root=$(git rev-parse --show-toplevel)
tmp=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$tmp/old" 2>/dev/null; git -C "$root" worktree remove --force "$tmp/new" 2>/dev/null; rm -rf "$tmp"' EXIT

for side in old new; do
	eval rev=\$$side
	git -C "$root" worktree add --quiet --detach "$tmp/$side" "$rev"
	(cd "$tmp/$side/bench" && go test -c -o "$tmp/$side.test" .)
done

run() { # binary lib workload size
	"$tmp/$1.test" -test.run='^$' -test.bench="^Benchmark$3\$/^lib=$2\$/^$4\$" -test.benchtime=1x 2>/dev/null |
		awk '/^Benchmark/ { for (i = 1; i < NF; i++) if ($(i+1) == "ns/task") print $i }'
}

for r in $(seq "$rounds"); do
	for cell in $cells; do
		wl=${cell%%/*} size=${cell#*/}
		for x in "new floor" "old futures" "new futures" "new pond"; do
			set -- $x
			label="$2"
			[ "$2" = futures ] && label="futures@$1"
			echo "$cell $label $(run "$1" "$2" "$wl" "$size")"
		done
	done
	echo "round $r of $rounds done" >&2
done >"$tmp/runs"

sort -k1,1 -k2,2 -k3,3n "$tmp/runs" | awk '
	{ key = $1 " " $2; v[key, ++n[key]] = $3; if (!(key in seen)) { seen[key] = 1; order[++k] = key } }
	END {
		printf "%-10s %-16s %10s %10s %10s\n", "cell", "lib", "median", "min", "max"
		for (i = 1; i <= k; i++) {
			key = order[i]; c = n[key]
			m = (c % 2) ? v[key, (c + 1) / 2] : (v[key, c / 2] + v[key, c / 2 + 1]) / 2
			split(key, p, " ")
			printf "%-10s %-16s %10.1f %10.1f %10.1f\n", p[1], p[2], m, v[key, 1], v[key, c]
		}
	}'
