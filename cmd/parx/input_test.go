package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadValues(t *testing.T) {
	tests := []struct {
		in    string
		delim byte
		want  []string
	}{
		{"", '\n', nil},
		{"a", '\n', []string{"a"}},
		{"a\nb\n", '\n', []string{"a", "b"}},
		{"a\nb", '\n', []string{"a", "b"}},
		{"\n", '\n', []string{""}},
		{"a\n\nb\n", '\n', []string{"a", "", "b"}},
		{"a\r\n", '\n', []string{"a\r"}},
		{"a b\x00c\nd\x00", 0, []string{"a b", "c\nd"}},
		{"a\x00\x00", 0, []string{"a", ""}},
		{"x\x00y", 0, []string{"x", "y"}},
	}
	for _, tt := range tests {
		got, err := readValues(iotest.OneByteReader(strings.NewReader(tt.in)), tt.delim)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("readValues(%q, %q) = %q, %v; want %q", tt.in, tt.delim, got, err, tt.want)
		}
	}
	long := strings.Repeat("x", 1<<20)
	got, err := readValues(strings.NewReader(long+"\nb"), '\n')
	if err != nil || len(got) != 2 || got[0] != long {
		t.Errorf("a 1 MiB line: %d values, %v", len(got), err)
	}
}

// collect returns the jobs of in as strings: "seq:arg,arg".
func collect(in *inputs, stop chan struct{}, limit int) []string {
	var got []string
	for j := range in.jobs(stop) {
		got = append(got, strings.Join(append([]string{string(rune('0' + j.seq))}, j.args...), ","))
		if len(got) == limit {
			close(stop)
		}
	}
	return got
}

func TestJobsProduct(t *testing.T) {
	for _, streamed := range []bool{false, true} {
		o := &options{groups: []group{{values: []string{"a", "b"}}, {values: []string{"1", "2", "3"}}}}
		var stdin io.Reader
		if streamed {
			o.groups = o.groups[1:]
			o.argFiles = []string{"-"}
			stdin = strings.NewReader("a\nb\n")
		}
		in, err := openSources(o, stdin)
		if err != nil {
			t.Fatal(err)
		}
		if err := in.load(false); err != nil {
			t.Fatal(err)
		}
		wantTotal := 6
		if streamed {
			wantTotal = -1
		}
		if got := in.total(); got != wantTotal {
			t.Errorf("streamed=%v: total = %d; want %d", streamed, got, wantTotal)
		}
		got := collect(in, make(chan struct{}), -1)
		want := []string{"1,a,1", "2,a,2", "3,a,3", "4,b,1", "5,b,2", "6,b,3"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("streamed=%v: jobs = %q; want %q", streamed, got, want)
		}
	}
}

func TestJobsStop(t *testing.T) {
	// Standard input that never ends: closing stop still ends the jobs.
	pr, pw := io.Pipe()
	defer pw.Close()
	in, err := openSources(&options{}, pr)
	if err != nil {
		t.Fatal(err)
	}
	go pw.Write([]byte("a\nb\nc\n"))
	if got := collect(in, make(chan struct{}), 2); !reflect.DeepEqual(got, []string{"1,a", "2,b"}) {
		t.Errorf("jobs = %q", got)
	}

	// An empty source: no jobs at all.
	in, _ = openSources(&options{groups: []group{{values: []string{"a"}}, {}}}, nil)
	if got := collect(in, make(chan struct{}), -1); got != nil {
		t.Errorf("jobs with an empty source = %q", got)
	}
}

func TestJobsReadError(t *testing.T) {
	boom := errors.New("boom")
	in, _ := openSources(&options{}, io.MultiReader(strings.NewReader("a\n"), iotest.ErrReader(boom)))
	if got := collect(in, make(chan struct{}), -1); !reflect.DeepEqual(got, []string{"1,a"}) {
		t.Errorf("jobs = %q", got)
	}
	if !errors.Is(in.err, boom) || !strings.Contains(in.err.Error(), "standard input") {
		t.Errorf("err = %v", in.err)
	}
}

func TestOpenSources(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "args")
	os.WriteFile(f, []byte("x\x00y\x00"), 0o644)
	o, err := parseArgs([]string{"-0", "-a", f, "echo", ":::", "1", "::::", f})
	if err != nil {
		t.Fatal(err)
	}
	in, err := openSources(o, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer in.close()
	in.load(true)
	got := collect(in, make(chan struct{}), -1)
	want := []string{"1,x,1,x", "2,x,1,y", "3,y,1,x", "4,y,1,y"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("jobs = %q; want %q", got, want)
	}

	for _, name := range []string{filepath.Join(dir, "missing"), dir} {
		if _, err := openSources(&options{argFiles: []string{name}}, nil); err == nil {
			t.Errorf("openSources(-a %s) succeeded", name)
		}
	}
	// Standard input can be one source only: a second would find it read.
	o, err = parseArgs([]string{"-a", "-", "echo", "::::", "-"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := openSources(o, strings.NewReader("a\n")); err == nil || !strings.Contains(err.Error(), "more than one input source") {
		t.Errorf("openSources(-a - ... :::: -) error = %v; want standard input refused as a second source", err)
	}
}
