package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
)

// A job is one run of the command: its number and its inputs, one per source.
type job struct {
	seq  int // 1, 2, ... in input order
	args []string
}

// A source is one input source: the values after a :::, or the values read from a file
// (:::: FILE, -a FILE) or from standard input.
type source struct {
	name   string    // for messages: "standard input" or the file's name
	values []string  // the values, once read
	r      io.Reader // the values still to read; nil once they are in values
	closer io.Closer // closes r's file, if parx opened it
}

// inputs are all the input sources. Their jobs are every combination of one value of
// each source, in GNU parallel's order: the last source varies fastest. The first
// source is read lazily, as jobs start, so that a long standard input starts running
// at once and is never held in memory; the others are read at the start.
type inputs struct {
	sources []*source
	delim   byte  // '\n', or 0 with --null
	err     error // the first error reading the first source, once the jobs are over
}

// openSources opens the input sources that the options name: the -a files, then the
// ::: and :::: groups, or else standard input. Files that cannot be opened are
// reported at once, before any job runs.
func openSources(o *options, stdin io.Reader) (*inputs, error) {
	in := &inputs{delim: '\n'}
	if o.null {
		in.delim = 0
	}
	stdinUsed := false
	open := func(name string) error {
		if name == "-" {
			if stdinUsed {
				return errors.New("standard input is given as more than one input source")
			}
			stdinUsed = true
			in.sources = append(in.sources, &source{name: "standard input", r: stdin})
			return nil
		}
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("cannot open argument file: %w", err)
		}
		if st, err := f.Stat(); err == nil && st.IsDir() {
			f.Close()
			return fmt.Errorf("cannot read argument file %s: it is a directory", name)
		}
		in.sources = append(in.sources, &source{name: name, r: f, closer: f})
		return nil
	}
	for _, name := range o.argFiles {
		if err := open(name); err != nil {
			in.close()
			return nil, err
		}
	}
	for _, g := range o.groups {
		if !g.files {
			in.sources = append(in.sources, &source{name: ":::", values: g.values})
			continue
		}
		for _, name := range g.values {
			if err := open(name); err != nil {
				in.close()
				return nil, err
			}
		}
	}
	if len(in.sources) == 0 {
		in.sources = append(in.sources, &source{name: "standard input", r: stdin})
	}
	return in, nil
}

// close closes the files that parx opened.
func (in *inputs) close() {
	for _, s := range in.sources {
		if s.closer != nil {
			s.closer.Close()
		}
	}
}

// load reads the sources into memory: all of them if all is set (to know the number of
// jobs in advance), else all but the first.
func (in *inputs) load(all bool) error {
	for i, s := range in.sources {
		if s.r == nil || (i == 0 && !all) {
			continue
		}
		vs, err := readValues(s.r, in.delim)
		if err != nil {
			return fmt.Errorf("reading %s: %w", s.name, err)
		}
		s.values, s.r = vs, nil
	}
	return nil
}

// total returns the number of jobs, or -1 if the first source is still to be read.
func (in *inputs) total() int {
	n := 1
	for _, s := range in.sources {
		if s.r != nil {
			return -1
		}
		n *= len(s.values)
	}
	return n
}

// readValues reads all the values of r, separated by delim. A final value without a
// delimiter counts; an empty line is an empty value.
func readValues(r io.Reader, delim byte) ([]string, error) {
	var vs []string
	err := scanValues(r, delim, func(v string) bool {
		vs = append(vs, v)
		return true
	})
	return vs, err
}

// scanValues calls fn with each value of r, separated by delim, until fn returns false.
func scanValues(r io.Reader, delim byte, fn func(string) bool) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		v, err := br.ReadString(delim)
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if v == "" && err != nil {
			return nil // the end, after a delimiter or of an empty input
		}
		if v[len(v)-1] == delim {
			v = v[:len(v)-1]
		}
		if !fn(v) || err != nil {
			return nil
		}
	}
}

// jobs returns the sequence of jobs, which ends early when stop is closed. The first
// source, if it is still to be read, is read by a goroutine, so that a closed stop
// ends the sequence even while standard input has nothing to say. A read error ends
// the sequence and is left in in.err.
func (in *inputs) jobs(stop <-chan struct{}) iter.Seq[*job] {
	return func(yield func(*job) bool) {
		first, rest := in.sources[0], in.sources[1:]
		for _, s := range rest {
			if len(s.values) == 0 {
				return
			}
		}
		seq := 0
		idx := make([]int, len(rest))
		// emit yields the jobs for one value of the first source.
		emit := func(v string) bool {
			clear(idx)
			for {
				select {
				case <-stop:
					return false
				default:
				}
				seq++
				args := make([]string, 1+len(rest))
				args[0] = v
				for i, s := range rest {
					args[1+i] = s.values[idx[i]]
				}
				if !yield(&job{seq: seq, args: args}) {
					return false
				}
				// Advance the odometer, last source fastest.
				i := len(rest) - 1
				for ; i >= 0; i-- {
					idx[i]++
					if idx[i] < len(rest[i].values) {
						break
					}
					idx[i] = 0
				}
				if i < 0 {
					return true
				}
			}
		}
		if first.r == nil {
			for _, v := range first.values {
				if !emit(v) {
					return
				}
			}
			return
		}
		values := make(chan string, 256)
		var readErr error
		go func() {
			defer close(values)
			readErr = scanValues(first.r, in.delim, func(v string) bool {
				select {
				case values <- v:
					return true
				case <-stop:
					return false
				}
			})
		}()
		for {
			select {
			case v, ok := <-values:
				if !ok {
					if readErr != nil {
						in.err = fmt.Errorf("reading %s: %w", first.name, readErr)
					}
					return
				}
				if !emit(v) {
					return
				}
			case <-stop:
				return
			}
		}
	}
}
