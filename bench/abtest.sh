#!/bin/sh
# abtest.sh compares two commits of the library side by side: it builds this module's
# test binary at each commit (in temporary git worktrees), then runs the chosen cells
# alternately, one batch per process, futures at both commits and the floor and pond
# once per round, and prints the median, min and max of each in ns/task. The machines
# here change speed for minutes at a time, so it also prints, for each cell, the median
# of the ratios within a round (new/old, new/floor, old/floor): a round's four runs
# are seconds apart, and their ratios hold better than medians taken across rounds.
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
	"$tmp/$1.test" -test.run='^$' -test.bench="^Benchmark$3\$/^lib=$2\$/^$4\$" -test.benchtime="${BENCHTIME:-1x}" 2>/dev/null |
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

# Ratios within a round: the runs file lists each round's cells in order, four runs each.
awk '
	{ r[$1, $2, ++n[$1, $2]] = $3; if (!($1 in seen)) { seen[$1] = 1; cells[++k] = $1 } }
	function median(a, c,   i, j, t) {
		for (i = 2; i <= c; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
		return (c % 2) ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
	}
	END {
		printf "\n%-10s %10s %10s %10s\n", "cell", "new/old", "new/floor", "old/floor"
		for (i = 1; i <= k; i++) {
			c = cells[i]; m = n[c, "floor"]
			for (j = 1; j <= m; j++) {
				a[j] = r[c, "futures@new", j] / r[c, "futures@old", j]
				b[j] = r[c, "futures@new", j] / r[c, "floor", j]
				d[j] = r[c, "futures@old", j] / r[c, "floor", j]
			}
			printf "%-10s %10.3f %10.3f %10.3f\n", c, median(a, m), median(b, m), median(d, m)
		}
	}' "$tmp/runs"
