package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFormatJoblog(t *testing.T) {
	res := &result{
		seq:     12,
		line:    "echo 'a\nb'",
		start:   time.UnixMilli(1700000000123),
		runtime: 1234567 * time.Microsecond,
		stdout:  blob{data: []byte("a\nb\n")},
		stderr:  blob{data: []byte("x")},
		exit:    -1,
		signal:  15,
	}
	want := "12\t:\t1700000000.123\t     1.235\t0\t5\t-1\t15\techo 'a\x00b'\n"
	if got := formatJoblog(res); got != want {
		t.Errorf("formatJoblog = %q; want %q", got, want)
	}
}

func TestJoblogAppend(t *testing.T) {
	name := filepath.Join(t.TempDir(), "log")
	for _, n := range []string{name, "+" + name, "+" + name} {
		j, err := openJoblog(n)
		if err != nil {
			t.Fatal(err)
		}
		j.write(&result{seq: 1, line: "true"})
		if err := j.close(); err != nil {
			t.Fatal(err)
		}
	}
	data, _ := os.ReadFile(name)
	if got := strings.Count(string(data), "Seq\t"); got != 1 {
		t.Errorf("%d headers in %q", got, data)
	}
	if got := strings.Count(string(data), "\ttrue\n"); got != 3 {
		t.Errorf("%d lines in %q", got, data)
	}
}

func TestProgressRender(t *testing.T) {
	start := time.Unix(1000, 0)
	b := &progress{total: 200, start: start, running: func() int { return 8 }, done: 50, failed: 2}
	want := "parx: [#####               ]  25% 50/200, 8 running, 2 failed, 5/s, ETA 30s"
	if got := b.render(start.Add(10 * time.Second)); got != want {
		t.Errorf("render = %q; want %q", got, want)
	}
	b.total = -1
	want = "parx: 50 done, 8 running, 2 failed, 5/s"
	if got := b.render(start.Add(10 * time.Second)); got != want {
		t.Errorf("render = %q; want %q", got, want)
	}
}
