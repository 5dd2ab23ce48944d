package config

import (
	"strings"
	"testing"

	"github.com/tidegate/tidegate/internal/disk"
)

func TestStorageReserve(t *testing.T) {
	for _, tc := range []struct {
		yaml string
		want disk.Reserve
	}{
		{"", disk.Reserve{}},
		{"storage:\n  reserve: 64MiB\n", disk.Reserve{Bytes: 64 << 20}},
		{"storage:\n  reserve: 2097152\n", disk.Reserve{Bytes: 2 << 20}},
		{"storage:\n  reserve: 5%\n", disk.Reserve{Percent: 5}},
		{"storage:\n  reserve: \"2.5 %\"\n", disk.Reserve{Percent: 2.5}},
	} {
		c, err := Parse("t.yaml", []byte(tc.yaml), nil)
		if err != nil {
			t.Fatalf("%q: %v", tc.yaml, err)
		}
		if got, err := c.Storage.Reserve.Resolve(); err != nil || got != tc.want {
			t.Errorf("%q: %+v, %v", tc.yaml, got, err)
		}
	}
}

func TestStorageReserveErrors(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"storage:\n  reserve: 512KiB\n", "t.yaml:2:12: storage.reserve: reserve 512KiB is below the minimum of 1MiB"},
		{"storage:\n  reserve: 60%\n", `t.yaml:2:12: storage.reserve: invalid reserve "60%": a share of the disk is more than 0% and at most 50%`},
		{"storage:\n  reserve: 0%\n", `t.yaml:2:12: storage.reserve: invalid reserve "0%"`},
		{"storage:\n  reserve: lots\n", `t.yaml:2:12: storage.reserve: invalid size "lots"`},
		{"storage:\n  reserve: [1]\n", "t.yaml:2:12"},
		{"storage:\n  reserved: 1GiB\n", `t.yaml:2:3: unknown field "reserved"`},
	} {
		_, err := Parse("t.yaml", []byte(tc.yaml), nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.yaml, err, tc.want)
		}
	}
}

func TestStorageReserveFromTheEnvironment(t *testing.T) {
	c, err := Parse("t.yaml", []byte("storage:\n  reserve: 8MiB\n"), []string{"TIDEGATE_STORAGE_RESERVE=10%"})
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := c.Storage.Reserve.Resolve(); r != (disk.Reserve{Percent: 10}) {
		t.Errorf("reserve %+v", r)
	}
	_, err = Parse("t.yaml", nil, []string{"TIDEGATE_STORAGE_RESERVE=1KiB"})
	if err == nil || !strings.HasPrefix(err.Error(), "TIDEGATE_STORAGE_RESERVE: storage.reserve: reserve 1KiB is below") {
		t.Errorf("bad value from the environment: %v", err)
	}
}

func TestStorageReserveReloads(t *testing.T) {
	before, after := Default(), Default()
	after.Storage.Reserve = "10%"
	reloadable, restart := Changes(before, after)
	if len(restart) != 0 || len(reloadable) != 1 || !strings.HasPrefix(reloadable[0], "storage.reserve") {
		t.Errorf("reloadable %v, restart %v", reloadable, restart)
	}
}
