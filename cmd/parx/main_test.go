package main

import (
	"go/parser"
	gotoken "go/token"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestParseArgs(t *testing.T) {
	cpus := runtime.NumCPU()
	tests := []struct {
		args []string
		want options
	}{
		{[]string{"gzip", "-k", "{}", ":::", "a", "b"},
			options{jobs: cpus, tries: 1, command: []string{"gzip", "-k", "{}"}, groups: []group{{values: []string{"a", "b"}}}}},
		{[]string{"-kj4", "-0q", "--timeout=1.5", "--retries", "3", "echo"},
			options{jobs: 4, tries: 3, keepOrder: true, null: true, quote: true, timeout: 1500 * time.Millisecond, command: []string{"echo"}}},
		{[]string{"-j", "2", "--jobs=3", "-a", "f", "-ag", "--arg-file=h", "--", "-x", "::::", "i", ":::"},
			options{jobs: 3, tries: 1, argFiles: []string{"f", "g", "h"}, command: []string{"-x"}, groups: []group{{files: true, values: []string{"i"}}, {}}}},
		{[]string{"--halt", "now,fail=1", "--joblog", "+log", "--dry-run", "--bar", "--shell", "-k", "x"},
			options{jobs: cpus, tries: 1, halt: haltSpec{when: haltNow, why: whyFail, count: 1}, joblog: "+log", dryRun: true, bar: true, shell: true, keepOrder: true, command: []string{"x"}}},
		{[]string{":::", "a"}, options{jobs: cpus, tries: 1, groups: []group{{values: []string{"a"}}}}},
		{[]string{"--retries=0", "-"}, options{jobs: cpus, tries: 1, command: []string{"-"}}},
	}
	for _, tt := range tests {
		got, err := parseArgs(tt.args)
		if err != nil {
			t.Errorf("parseArgs(%q): %v", tt.args, err)
			continue
		}
		if !reflect.DeepEqual(*got, tt.want) {
			t.Errorf("parseArgs(%q) =\n%+v; want\n%+v", tt.args, *got, tt.want)
		}
	}
}

func TestParseArgsErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--nope", "echo"}, "unknown option --nope"},
		{[]string{"-kx", "echo"}, "unknown option -x"},
		{[]string{"-j"}, "needs a value"},
		{[]string{"-j", "many", "echo"}, "invalid --jobs"},
		{[]string{"--timeout", "soon", "echo"}, "invalid --timeout"},
		{[]string{"--timeout", "-1", "echo"}, "invalid --timeout"},
		{[]string{"--retries", "x", "echo"}, "invalid --retries"},
		{[]string{"--halt", "later,fail=1", "echo"}, "invalid --halt"},
		{[]string{"--keep-order=yes", "echo"}, "takes no value"},
		{[]string{"echo", "::::"}, ":::: needs at least one file"},
		{[]string{"echo", ":::", "a", "::::"}, ":::: needs at least one file"},
	}
	for _, tt := range tests {
		_, err := parseArgs(tt.args)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parseArgs(%q) error = %v; want %q", tt.args, err, tt.want)
		}
	}
}

func TestParseJobs(t *testing.T) {
	tests := []struct {
		v    string
		want int
	}{
		{"1", 1}, {"16", 16}, {"0", 256}, {"50%", 4}, {"1%", 1}, {"+2", 10}, {"-2", 6}, {"-20", 1},
	}
	for _, tt := range tests {
		if got, err := parseJobs(tt.v, 8); got != tt.want || err != nil {
			t.Errorf("parseJobs(%q, 8) = %d, %v; want %d", tt.v, got, err, tt.want)
		}
	}
	for _, v := range []string{"", "x", "-1x", "0%", "-5%"} {
		if _, err := parseJobs(v, 8); err == nil {
			t.Errorf("parseJobs(%q) succeeded", v)
		}
	}
}

func TestParseTimeout(t *testing.T) {
	tests := []struct {
		v    string
		want time.Duration
	}{
		{"2", 2 * time.Second}, {"0.25", 250 * time.Millisecond}, {"500ms", 500 * time.Millisecond},
		{"1m30s", 90 * time.Second}, {"2h", 2 * time.Hour}, {"1d", 24 * time.Hour}, {"1.5d", 36 * time.Hour},
	}
	for _, tt := range tests {
		if got, err := parseTimeout(tt.v); got != tt.want || err != nil {
			t.Errorf("parseTimeout(%q) = %v, %v; want %v", tt.v, got, err, tt.want)
		}
	}
	for _, v := range []string{"", "0", "-1s", "x", "1x", "d"} {
		if _, err := parseTimeout(v); err == nil {
			t.Errorf("parseTimeout(%q) succeeded", v)
		}
	}
}

// TestDocIsUsage checks that the package documentation shows the --help text.
func TestDocIsUsage(t *testing.T) {
	f, err := parser.ParseFile(gotoken.NewFileSet(), "doc.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var doc strings.Builder
	for _, line := range strings.Split(f.Doc.Text(), "\n") {
		doc.WriteString(strings.TrimPrefix(line, "\t") + "\n")
	}
	if !strings.Contains(doc.String(), usage) {
		t.Errorf("doc.go does not show the usage text; regenerate it from parx --help")
	}
}
