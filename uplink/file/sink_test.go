package file

import (
	"bytes"
	stdgzip "compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"

	"github.com/tidegate/tidegate/uplink"
)

var created = time.Date(2024, time.March, 5, 7, 8, 9, 0, time.UTC)

// batch returns a batch of n JSON-line records, keys cycling over keys,
// and the records' concatenation.
func batch(id string, n int, keys ...string) (*uplink.Batch, []byte) {
	b := &uplink.Batch{ID: id, Delivery: "to-cloud", Created: created}
	var all []byte
	for i := range n {
		data := fmt.Appendf(nil, `{"batch":%q,"seq":%d,"temp":%d.5}`+"\n", id, i, 20+i%7)
		key := "node-1"
		if len(keys) > 0 {
			key = keys[i%len(keys)]
		}
		b.Records = append(b.Records, uplink.Record{PartitionKey: key, Data: data})
		b.Bytes += len(data)
		all = append(all, data...)
	}
	return b, all
}

// readObjects reads every object under dir, as a consumer would: hidden
// files skipped, each body decompressed by its extension with a decoder
// independent of the writer.
func readObjects(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	objs := make(map[string][]byte)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var r io.Reader = bytes.NewReader(raw)
		switch filepath.Ext(path) {
		case ".gz":
			if r, err = stdgzip.NewReader(r); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
		case ".zst":
			zr, err := zstd.NewReader(r)
			if err != nil {
				return err
			}
			defer zr.Close()
			r = zr
		case ".snappy":
			r = snappy.NewReader(r)
		}
		body, err := io.ReadAll(r)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		rel, _ := filepath.Rel(dir, path)
		objs[filepath.ToSlash(rel)] = body
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// hidden lists the hidden files under dir (temporary files left over).
func hidden(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), ".") {
			names = append(names, path)
		}
		return nil
	})
	return names
}

func only(t *testing.T, objs map[string][]byte) (string, []byte) {
	t.Helper()
	if len(objs) != 1 {
		t.Fatalf("%d objects, want 1: %v", len(objs), keys(objs))
	}
	for k, v := range objs {
		return k, v
	}
	return "", nil
}

func keys(m map[string][]byte) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func TestSendReadsBack(t *testing.T) {
	for _, comp := range []string{"none", "gzip", "zstd", "snappy"} {
		t.Run(comp, func(t *testing.T) {
			dir := t.TempDir()
			s, err := New(Config{Dir: filepath.Join(dir, "out"), Prefix: "sensors/", Compression: comp})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			b, want := batch("b-1", 300)
			if err := s.Send(context.Background(), b); err != nil {
				t.Fatal(err)
			}
			key, body := only(t, readObjects(t, s.Dir()))
			if !strings.HasPrefix(key, "sensors/2024/03/05/07/to-cloud-1-2024-03-05-07-08-09-") {
				t.Errorf("object %q, want it under sensors/2024/03/05/07/ with Firehose's name", key)
			}
			ext := map[string]string{"none": "", "gzip": ".gz", "zstd": ".zst", "snappy": ".snappy"}[comp]
			if filepath.Ext(key) != ext {
				t.Errorf("object %q, want extension %q", key, ext)
			}
			if !bytes.Equal(body, want) {
				t.Errorf("object holds %d bytes, want the %d source bytes", len(body), len(want))
			}
			if h := hidden(t, s.Dir()); len(h) != 0 {
				t.Errorf("temporary files left: %v", h)
			}
		})
	}
}

func TestSendIsIdempotent(t *testing.T) {
	s, err := New(Config{Dir: t.TempDir(), Compression: "gzip"})
	if err != nil {
		t.Fatal(err)
	}
	b, want := batch("b-1", 10)
	for range 3 {
		if err := s.Send(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	_, body := only(t, readObjects(t, s.Dir()))
	if !bytes.Equal(body, want) {
		t.Error("object differs from the batch")
	}
	other, _ := batch("b-2", 10)
	if err := s.Send(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	if n := len(readObjects(t, s.Dir())); n != 2 {
		t.Errorf("%d objects after a second batch, want 2", n)
	}
}

func TestPartitionKeyObjects(t *testing.T) {
	s, err := New(Config{Dir: t.TempDir(), Prefix: "device=!{partitionKey}/!{timestamp:yyyy-MM-dd}/", ErrorPrefix: "errors/!{firehose:error-output-type}/"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := batch("b-1", 9, "node-1", "site/a", "node-1")
	if err := s.Send(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	objs := readObjects(t, s.Dir())
	if len(objs) != 2 {
		t.Fatalf("objects %v, want one per partition key", keys(objs))
	}
	for key, body := range objs {
		var pk string
		switch {
		case strings.HasPrefix(key, "device=node-1/2024-03-05/to-cloud-1-"):
			pk = "node-1"
		case strings.HasPrefix(key, "device=site%2Fa/2024-03-05/to-cloud-1-"):
			pk = "site/a"
		default:
			t.Fatalf("unexpected object %q", key)
		}
		var want []byte
		for _, r := range b.Records {
			if r.PartitionKey == pk {
				want = append(want, r.Data...)
			}
		}
		if !bytes.Equal(body, want) {
			t.Errorf("%s holds %q, want %q", key, body, want)
		}
	}
}

func TestWriteErrors(t *testing.T) {
	s, err := New(Config{Dir: t.TempDir(), Prefix: "data/", Compression: "gzip"})
	if err != nil {
		t.Fatal(err)
	}
	b := &uplink.Batch{ID: "e-1", Delivery: "to-cloud", Created: created, Records: []uplink.Record{
		{Data: []byte(`{"attemptsMade":4,"errorCode":"AccessDenied","rawData":"eA=="}` + "\n")},
	}}
	if err := s.WriteErrors(context.Background(), b, "s3-failed"); err != nil {
		t.Fatal(err)
	}
	key, body := only(t, readObjects(t, s.Dir()))
	if !strings.HasPrefix(key, "data/s3-failed/2024/03/05/07/to-cloud-1-") || !bytes.Equal(body, b.Records[0].Data) {
		t.Errorf("error object %q holding %q", key, body)
	}
}

// TestNeverPartialUnderItsName stops a write after the body is on disk and
// before the rename, as a crash there would: nothing may be visible under
// the object's name, and an object written before stays whole.
func TestNeverPartialUnderItsName(t *testing.T) {
	s, err := New(Config{Dir: t.TempDir(), Compression: "zstd"})
	if err != nil {
		t.Fatal(err)
	}
	crash := errors.New("crash")
	b, want := batch("b-1", 2000)
	var final string
	afterWrite = func(tmp string) error {
		final = filepath.Join(filepath.Dir(tmp), strings.TrimSuffix(filepath.Base(tmp)[1:], ".tmp"))
		if _, err := os.Stat(final); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("object visible under %s before the rename: %v", final, err)
		}
		if len(readObjects(t, s.Dir())) != 0 {
			t.Error("a reader sees an object before the rename")
		}
		return crash
	}
	t.Cleanup(func() { afterWrite = nil })
	if err := s.Send(context.Background(), b); !errors.Is(err, crash) {
		t.Fatalf("Send = %v, want the crash", err)
	}
	if len(readObjects(t, s.Dir())) != 0 || len(hidden(t, s.Dir())) != 0 {
		t.Fatal("a failed write left files")
	}

	afterWrite = nil
	if err := s.Send(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	// Rewriting the same object fails half-way: the first copy stays.
	afterWrite = func(string) error { return crash }
	if err := s.Send(context.Background(), b); !errors.Is(err, crash) {
		t.Fatalf("Send = %v, want the crash", err)
	}
	if _, body := only(t, readObjects(t, s.Dir())); !bytes.Equal(body, want) {
		t.Error("a failed rewrite damaged the object")
	}
}

func TestConcurrentDeliveries(t *testing.T) {
	s, err := New(Config{Dir: t.TempDir(), Compression: "gzip"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	want := make(map[string][]byte)
	var mu sync.Mutex
	for d := range 4 {
		wg.Go(func() {
			for i := range 5 {
				b, all := batch(fmt.Sprintf("b-%d", i), 50)
				b.Delivery = fmt.Sprintf("delivery-%d", d)
				if err := s.Send(context.Background(), b); err != nil {
					t.Error(err)
				}
				mu.Lock()
				want[b.Delivery+b.ID] = all
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if got := readObjects(t, s.Dir()); len(got) != len(want) {
		t.Errorf("%d objects, want %d", len(got), len(want))
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		err    error
		wantIn string
	}{
		{syscall.ENOSPC, "no space left"},
		{syscall.EDQUOT, "no space left"},
		{syscall.EROFS, "read-only"},
		{syscall.EACCES, "permission denied"},
		{syscall.EPERM, "permission denied"},
		{syscall.EIO, "input/output error"},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			err := describe("write", "/data/x", &fs.PathError{Op: "write", Path: "/data/x", Err: tt.err})
			if !strings.Contains(err.Error(), tt.wantIn) || !errors.Is(err, tt.err) {
				t.Errorf("describe = %v, want it to say %q and wrap %v", err, tt.wantIn, tt.err)
			}
			if _, perm := uplink.IsPermanent(err); perm || uplink.IsUnreachable(err) {
				t.Errorf("%v is marked; disk errors must stay plain (retried)", err)
			}
		})
	}
}

func TestPermissionDenied(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes into a read-only directory")
	}
	dir := t.TempDir()
	s, err := New(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	b, _ := batch("b-1", 1)
	err = s.Send(context.Background(), b)
	if err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("Send into a read-only directory = %v, want a permission error", err)
	}
	if _, perm := uplink.IsPermanent(err); perm {
		t.Error("a permission error is permanent; it must be retried")
	}
}

func TestDirIsAFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Dir: path}); err == nil || !errors.Is(err, syscall.ENOTDIR) {
		t.Fatalf("New on a file = %v, want ENOTDIR", err)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		cfg    Config
		wantIn string
	}{
		{"ok", Config{Dir: "/tmp/x", Prefix: "a/", Compression: "gzip"}, ""},
		{"no dir", Config{}, "dir: required"},
		{"bad compression", Config{Dir: "d", Compression: "lz4"}, "compression"},
		{"escaping prefix", Config{Dir: "d", Prefix: "../up/"}, "outside dir"},
		{"absolute prefix", Config{Dir: "d", Prefix: "/etc/"}, "outside dir"},
		{"escaping error prefix", Config{Dir: "d", ErrorPrefix: "../../!{firehose:error-output-type}"}, "error_prefix"},
		{"expressions without error prefix", Config{Dir: "d", Prefix: "!{timestamp:yyyy}/"}, "error_prefix"},
		{"unknown namespace", Config{Dir: "d", Prefix: "!{foo}/"}, `"!{foo}"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.wantIn == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, uplink.ErrConfig) || !strings.Contains(err.Error(), tt.wantIn) {
				t.Fatalf("Validate = %v, want an ErrConfig naming %q", err, tt.wantIn)
			}
		})
	}
}

// dir must be a directory, or creatable under the nearest parent that is.
func TestCheckEnvironment(t *testing.T) {
	base := t.TempDir()
	plain := filepath.Join(base, "plain")
	if err := os.WriteFile(plain, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for dir, ok := range map[string]bool{
		base:                              true,
		filepath.Join(base, "new", "sub"): true,
		plain:                             false,
		filepath.Join(plain, "sub"):       false,
	} {
		err := (Config{Dir: dir}).CheckEnvironment()
		if (err == nil) != ok || (err != nil && !errors.Is(err, uplink.ErrConfig)) {
			t.Errorf("%s: %v", dir, err)
		}
	}
}
