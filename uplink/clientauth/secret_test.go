package clientauth

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/tidegate/tidegate/uplink"
)

func TestSecretResolve(t *testing.T) {
	file := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(file, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TIDEGATE_TEST_SECRET", "from-env")
	for _, tc := range []struct {
		name string
		s    Secret
		want string // "" for a config error
	}{
		{"value", Secret{Key: "k", Value: "as-is"}, "as-is"},
		{"file, newline trimmed", Secret{Key: "k", File: file}, "from-file"},
		{"env", Secret{Key: "k", Env: "TIDEGATE_TEST_SECRET"}, "from-env"},
		{"missing file", Secret{Key: "k", File: filepath.Join(t.TempDir(), "none")}, ""},
		{"unset env", Secret{Key: "k", Env: "TIDEGATE_TEST_UNSET"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.s.Resolve("test")
			switch {
			case tc.want == "" && !errors.Is(err, uplink.ErrConfig):
				t.Fatalf("resolve = %q, %v; want an ErrConfig", got, err)
			case tc.want != "" && (err != nil || got != tc.want):
				t.Fatalf("resolve = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	if err := (Secret{Key: "k", Value: "a", Env: "B"}).Validate(); err == nil {
		t.Fatal("validate accepted a value and an env together")
	}
}
