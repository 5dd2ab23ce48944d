package kafka

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
		s    secret
		want string // "" for a config error
	}{
		{"value", secret{key: "k", value: "as-is"}, "as-is"},
		{"file, newline trimmed", secret{key: "k", file: file}, "from-file"},
		{"env", secret{key: "k", env: "TIDEGATE_TEST_SECRET"}, "from-env"},
		{"missing file", secret{key: "k", file: filepath.Join(t.TempDir(), "none")}, ""},
		{"unset env", secret{key: "k", env: "TIDEGATE_TEST_UNSET"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.s.resolve()
			switch {
			case tc.want == "" && !errors.Is(err, uplink.ErrConfig):
				t.Fatalf("resolve = %q, %v; want an ErrConfig", got, err)
			case tc.want != "" && (err != nil || got != tc.want):
				t.Fatalf("resolve = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	if err := (secret{key: "k", value: "a", env: "B"}).validate(); err == nil {
		t.Fatal("validate accepted a value and an env together")
	}
}
