package hls

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// Errors the disk writer reports through Config.OnError.
var (
	// ErrUnsafePath means a playlist or segment name that is not a plain
	// relative path under hls_path (a stream named "../x", say): nothing
	// is written for it.
	ErrUnsafePath = errors.New("hls: path is not beneath hls_path")
	// ErrDiskBehind means the disk took longer than diskQueue segments to
	// write: a segment was not written.
	ErrDiskBehind = errors.New("hls: disk writer behind, segment not written")
)

// diskQueue bounds the writes a window may have waiting for the disk.
const diskQueue = 8

// diskWriter writes one window's files under hls_path, in order, on a
// goroutine of its own, so the stream never waits for the disk (a router's
// flash can take a second). Segments are written to "name.tmp" and the
// playlist to "name.temp", then renamed, so a web server serving the
// directory never sees half a file (SRS's names).
type diskWriter struct {
	dir     string
	onError func(error)
	jobs    chan diskJob
	stop    chan struct{}

	mu    sync.Mutex
	final []string // files to remove when stopping
	bw    *bufio.Writer
}

// diskJob is the files one change of the window writes and removes.
type diskJob struct {
	segPath      string   // a segment to write, "" for none
	bufs         [][]byte // its TS bytes (shared, read only)
	playlistPath string
	playlist     []byte // the playlist to write, nil for none
	remove       []string
}

func newDiskWriter(cfg Config) *diskWriter {
	d := &diskWriter{dir: cfg.Dir, onError: cfg.OnError, jobs: make(chan diskJob, diskQueue), stop: make(chan struct{})}
	if d.onError == nil {
		d.onError = func(error) {}
	}
	go d.run()
	return d
}

// enqueue hands a job to the writer without waiting; when diskQueue jobs
// wait already, the segment is dropped (the playlist and removals of the
// next job catch up) and ErrDiskBehind reported.
func (d *diskWriter) enqueue(j diskJob) {
	select {
	case d.jobs <- j:
	default:
		d.onError(fmt.Errorf("%w: %s", ErrDiskBehind, j.segPath))
	}
}

// close stops the writer once the jobs it has are done, after which it
// removes files.
func (d *diskWriter) close(files []string) {
	d.mu.Lock()
	d.final = files
	d.mu.Unlock()
	close(d.stop)
}

func (d *diskWriter) run() {
	for {
		select {
		case j := <-d.jobs:
			d.do(j)
		case <-d.stop:
			for {
				select {
				case j := <-d.jobs:
					d.removeAll(j.remove)
					continue
				default:
				}
				break
			}
			d.mu.Lock()
			files := d.final
			d.mu.Unlock()
			d.removeAll(files)
			return
		}
	}
}

func (d *diskWriter) do(j diskJob) {
	if j.segPath != "" {
		if err := d.write(j.segPath, ".tmp", j.bufs); err != nil {
			d.onError(err)
		}
	}
	if j.playlist != nil {
		if err := d.write(j.playlistPath, ".temp", [][]byte{j.playlist}); err != nil {
			d.onError(err)
		}
	}
	d.removeAll(j.remove)
}

// file returns the file name of a path beneath the directory.
func (d *diskWriter) file(name string) (string, error) {
	if !filepath.IsLocal(filepath.FromSlash(name)) {
		return "", fmt.Errorf("%w: %q", ErrUnsafePath, name)
	}
	return filepath.Join(d.dir, filepath.FromSlash(name)), nil
}

// write writes bufs to name through a temporary file renamed over it.
func (d *diskWriter) write(name, tmpSuffix string, bufs [][]byte) error {
	full, err := d.file(name)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return fmt.Errorf("hls: %w", err)
	}
	tmp := full + tmpSuffix
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("hls: %w", err)
	}
	if d.bw == nil {
		d.bw = bufio.NewWriterSize(f, 64<<10)
	} else {
		d.bw.Reset(f)
	}
	for _, b := range bufs {
		if _, err = d.bw.Write(b); err != nil {
			break
		}
	}
	if err == nil {
		err = d.bw.Flush()
	}
	d.bw.Reset(nil)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, full)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("hls: write %s: %w", name, err)
	}
	return nil
}

func (d *diskWriter) removeAll(names []string) {
	for _, n := range names {
		full, err := d.file(n)
		if err != nil {
			continue
		}
		if err := os.Remove(full); err != nil && !errors.Is(err, os.ErrNotExist) {
			d.onError(fmt.Errorf("hls: remove %s: %w", n, err))
		}
	}
}
