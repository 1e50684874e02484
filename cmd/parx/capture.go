package main

import (
	"io"
	"os"
)

// A slot is a job slot ({%}): a place for one running job, with the two temporary
// files that capture the standard output and error of its jobs. The files are
// unlinked at once, live while parx holds them, and are reused from job to job,
// emptied each time, since creating files costs more than starting a small job.
type slot struct {
	n        int
	out, err *os.File // nil until the first job, or after a job kept the file
	dir      string   // where to create the files
}

// files returns the slot's files, ready for a job. A file that is not empty although
// it was emptied after the last job is being written to by a process that escaped its
// job's process group: it is left to that process and replaced.
func (s *slot) files() (out, errf *os.File, err error) {
	for _, f := range []**os.File{&s.out, &s.err} {
		if *f != nil {
			if st, err := (*f).Stat(); err != nil || st.Size() != 0 {
				(*f).Close()
				*f = nil
			}
		}
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
	f, err := os.CreateTemp(dir, "parx-")
	if err != nil {
		return nil, err
	}
	os.Remove(f.Name())
	return f, nil
}

// capture returns what a job that has exited wrote to the slot's file *f, and empties
// the file for the next job. A large output keeps the file, and the slot gets a new
// one for its next job.
func capture(f **os.File) (blob, error) {
	st, err := (*f).Stat()
	if err != nil {
		(*f).Close()
		*f = nil
		return blob{}, err
	}
	size := st.Size()
	if size == 0 {
		return blob{}, nil
	}
	if size > inMemory {
		b := blob{f: *f, size: size}
		*f = nil
		return b, nil
	}
	data := make([]byte, size)
	n, err := (*f).ReadAt(data, 0)
	if n == len(data) {
		err = nil
	}
	if terr := (*f).Truncate(0); terr != nil && err == nil {
		err = terr
	}
	if _, serr := (*f).Seek(0, io.SeekStart); serr != nil && err == nil {
		err = serr
	}
	if err != nil {
		(*f).Close()
		*f = nil
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
