package main

import (
	"io"
	"os"
)

// A slot is a job slot ({%}): a place for one running job, with the two temporary
// files that capture the standard output and error of its job. The files are unlinked
// at once and live while parx holds them. Each job gets new ones: a process that
// outlives its job (one that left the job's process group, with setsid) still holds
// the old files, and what it writes later must not end up in another job's output.
type slot struct {
	n        int
	out, err *os.File // nil until the job's files are made, and after capture
	dir      string   // where to create the files
}

// files returns the slot's files for its next job, creating those it lacks.
func (s *slot) files() (out, errf *os.File, err error) {
	for _, f := range []**os.File{&s.out, &s.err} {
		if *f == nil {
			if *f, err = tempFile(s.dir); err != nil {
				return nil, nil, err
			}
		}
	}
	return s.out, s.err, nil
}

// tempFile creates an unlinked temporary file in dir.
func tempFile(dir string) (*os.File, error) {
	if f := anonFile(dir); f != nil {
		return f, nil
	}
	f, err := os.CreateTemp(dir, "parx-")
	if err != nil {
		return nil, err
	}
	os.Remove(f.Name())
	return f, nil
}

// capture returns what a job that has exited wrote to the slot's file *f, and takes
// the file from the slot (the slot's next job gets a new one): a large output stays in
// the file, a small one is read, and the file closed.
func capture(f **os.File) (blob, error) {
	file := *f
	*f = nil
	st, err := file.Stat()
	if err != nil {
		file.Close()
		return blob{}, err
	}
	size := st.Size()
	if size > inMemory {
		return blob{f: file, size: size}, nil
	}
	defer file.Close()
	if size == 0 {
		return blob{}, nil
	}
	data := make([]byte, size)
	n, err := file.ReadAt(data, 0)
	if n == len(data) {
		err = nil
	}
	return blob{data: data[:n]}, err
}

// close closes the slot's files.
func (s *slot) close() {
	for _, f := range []*os.File{s.out, s.err} {
		if f != nil {
			f.Close()
		}
	}
	s.out, s.err = nil, nil
}

// inMemory is the largest output stream that is read into memory when its job ends.
// A larger one stays in its temporary file until it is printed, as GNU parallel keeps
// all of them, so that -k with big outputs does not fill the memory.
const inMemory = 64 << 10

// A blob is one captured output stream of a job: its bytes, or the file that holds
// them.
type blob struct {
	data []byte
	f    *os.File // nil, or the file holding size bytes
	size int64
}

// len returns the number of bytes.
func (b *blob) len() int64 {
	if b.f != nil {
		return b.size
	}
	return int64(len(b.data))
}

// last returns the last byte, if there is one.
func (b *blob) last() (byte, bool) {
	if b.f != nil {
		var c [1]byte
		if _, err := b.f.ReadAt(c[:], b.size-1); err != nil {
			return 0, false
		}
		return c[0], true
	}
	if len(b.data) == 0 {
		return 0, false
	}
	return b.data[len(b.data)-1], true
}

// writeTo writes the bytes to w, as they are, and releases them.
func (b *blob) writeTo(w io.Writer) error {
	defer b.close()
	if b.f == nil {
		if len(b.data) == 0 {
			return nil
		}
		_, err := w.Write(b.data)
		return err
	}
	if _, err := b.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	// A LimitedReader over the file still lets the copy use sendfile or splice.
	_, err := io.Copy(w, &io.LimitedReader{R: b.f, N: b.size})
	return err
}

// close releases the bytes.
func (b *blob) close() {
	if b.f != nil {
		b.f.Close()
	}
	*b = blob{}
}
