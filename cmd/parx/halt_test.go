package main

import (
	"strings"
	"testing"
)

func TestParseHalt(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"never", "never"}, {"0", "never"}, {"1", "soon,fail=1"}, {"2", "now,fail=1"},
		{"-1", "soon,success=1"}, {"-2", "now,success=1"}, {"5%", "soon,fail=5%"},
		{"now,fail=1", "now,fail=1"}, {"soon,fail=3", "soon,fail=3"}, {"now,success=2", "now,success=2"},
		{"soon,done=50%", "soon,done=50%"},
	}
	for _, tt := range tests {
		h, err := parseHalt(tt.in)
		if err != nil || h.String() != tt.want {
			t.Errorf("parseHalt(%q) = %v, %v; want %s", tt.in, h, err, tt.want)
		}
	}
	for _, in := range []string{"", "now", "now,fail", "now,fail=0", "now,fail=x", "later,fail=1", "now,oops=1", "soon,fail=101%", "now=fail,1"} {
		if _, err := parseHalt(in); err == nil || !strings.Contains(err.Error(), "invalid --halt") {
			t.Errorf("parseHalt(%q) error = %v", in, err)
		}
	}
}

func TestTally(t *testing.T) {
	ok := &result{}
	bad := func(exit int) *result { return &result{exit: exit} }
	sig := &result{exit: -1, signal: 9}
	tests := []struct {
		spec    string
		total   int
		results []*result
		trigger int // index of the result that halts, or -1
		status  int
	}{
		{"never", 3, []*result{bad(1), bad(2), ok}, -1, 2},
		{"now,fail=1", 3, []*result{ok, bad(3), bad(1)}, 1, 3},
		{"now,fail=1", 3, []*result{sig}, 0, 137},
		{"soon,fail=2", 5, []*result{bad(3), ok, bad(4), bad(5)}, 2, 2},
		{"now,success=1", 3, []*result{bad(1), ok, ok}, 1, 0},
		{"now,success=2", 3, []*result{bad(1), ok, bad(2)}, -1, 2},
		{"soon,done=2", 3, []*result{bad(5), ok}, 1, 1},
		{"soon,fail=50%", 4, []*result{bad(1), ok, bad(1)}, 2, 50},
		{"soon,fail=40%", 10, []*result{bad(1), bad(1), bad(1), bad(1)}, 3, 40},
	}
	for _, tt := range tests {
		spec, _ := parseHalt(tt.spec)
		tl := &tally{spec: spec, total: tt.total}
		trigger := -1
		for i, r := range tt.results {
			if tl.record(r) {
				if trigger >= 0 {
					t.Errorf("%s: halted twice", tt.spec)
				}
				trigger = i
			}
		}
		if trigger != tt.trigger || tl.exitStatus() != tt.status {
			t.Errorf("%s: halted at %d with status %d; want %d and %d", tt.spec, trigger, tl.exitStatus(), tt.trigger, tt.status)
		}
	}
	tl := &tally{}
	for range 150 {
		tl.record(bad(1))
	}
	if got := tl.exitStatus(); got != 101 {
		t.Errorf("150 failures: status %d; want 101", got)
	}
}
