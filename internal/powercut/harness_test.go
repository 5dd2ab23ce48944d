//go:build linux && !arm && !386 && !mips && !mipsle

package powercut

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidegate/tidegate/internal/durable"
)

// replaceNoDirSync is a broken writer: temporary file, fsync, rename, and
// no fsync of the directory, so the rename is never durable.
func replaceNoDirSync(path string, data []byte) error {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// replaceNoFileSync is a broken writer: the rename and the directory are
// synced, the data is not, so a cut leaves an empty file.
func replaceNoFileSync(path string, data []byte) error {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return durable.SyncDir(filepath.Dir(path))
}

func TestControlNoDirSyncChild(t *testing.T) {
	Versions{}.Child(StartChild(t), replaceNoDirSync)
}

func TestControlNoFileSyncChild(t *testing.T) {
	Versions{}.Child(StartChild(t), replaceNoFileSync)
}

// TestHarnessCatchesBrokenWriters: the harness must catch the two
// classic mistakes losing acknowledged writes, which a SIGKILL test lets
// pass, and its report must say how to replay and what was dropped.
func TestHarnessCatchesBrokenWriters(t *testing.T) {
	if err := Mountable(); err != nil {
		skipOrFail(t, "power-cut test: %v", err)
	}
	for _, tc := range []struct {
		child   string
		want    string // in the failure
		dropped string // an operation the report lists as dropped
	}{
		{"TestControlNoDirSyncChild", "was acknowledged", "rename"},
		{"TestControlNoFileSyncChild", "empty", "write"},
	} {
		t.Run(tc.child, func(t *testing.T) {
			v := Versions{}
			_, err := Execute(t, Workload{Child: tc.child, Cycles: 5, MaxAcks: 20, MaxWait: time.Second, Check: v.Check()}, 7)
			var f *Failure
			if !errors.As(err, &f) {
				t.Fatalf("the harness did not catch the broken writer: %v", err)
			}
			t.Logf("caught, as it should be:\n%v", err)
			msg := err.Error()
			for _, s := range []string{tc.want, "seed 7", "TIDEGATE_POWERCUT_SEED=7 go test", "operations dropped"} {
				if !strings.Contains(msg, s) {
					t.Errorf("the failure does not say %q", s)
				}
			}
			if f.Report == nil {
				t.Fatal("the failure has no cut report")
			}
			found := false
			for _, op := range f.Report.Dropped {
				found = found || (op.Kind == tc.dropped && op.State == Dropped)
			}
			if !found {
				t.Errorf("the report lists no dropped %s:\n%s", tc.dropped, f.Report)
			}
		})
	}
}

func TestDurableWriterChild(t *testing.T) {
	Versions{}.Child(StartChild(t), func(path string, data []byte) error {
		return durable.WriteFile(path, data, 0o644)
	})
}

// TestHarnessPassesDurableWriter is the other side of the control: the
// same workload with a correct writer passes, tears included.
func TestHarnessPassesDurableWriter(t *testing.T) {
	st := Run(t, Workload{Child: "TestDurableWriterChild", Cycles: 10, MaxAcks: 30, Tear: true, Check: Versions{}.Check()})
	if st.Acks == 0 {
		t.Fatal("no write was acknowledged: the test tested nothing")
	}
}

func TestFailingChildIsReported(t *testing.T) {
	if err := Mountable(); err != nil {
		skipOrFail(t, "power-cut test: %v", err)
	}
	_, err := Execute(t, Workload{Child: "TestNoSuchChild", Cycles: 1, MaxAcks: 1, MaxWait: time.Minute, Check: func(*Cycle) error { return nil }}, 1)
	if err == nil || !strings.Contains(err.Error(), "ended on its own") {
		t.Fatalf("a child that never runs: %v", err)
	}
}
