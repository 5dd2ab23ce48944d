package cameras

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMaskSource(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"rtsp://admin:hunter2@cam:554/s1", "rtsp://admin:xxxxx@cam:554/s1"},
		{"rtsp://admin@cam/s1", "rtsp://admin@cam/s1"},
		{"rtsp://cam/s1", "rtsp://cam/s1"},
		{"rtsp://u:hunter2@[::1/x", "rtsp://u:xxxxx@[::1/x"},
		{"publisher", "publisher"},
	} {
		if got := MaskSource(tc.in); got != tc.want {
			t.Errorf("MaskSource(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := ScrubSource("error about "+tc.in, tc.in); strings.Contains(got, "hunter2") {
			t.Errorf("ScrubSource kept the password: %q", got)
		}
	}
}

func TestLogin(t *testing.T) {
	file := filepath.Join(t.TempDir(), "pass")
	os.WriteFile(file, []byte("from-file\n"), 0o600)
	t.Setenv("TIDEGATE_TEST_CAMERA_PASS", "from-env")
	for _, tc := range []struct {
		l    Login
		want string // password, or the error
	}{
		{Login{Username: "u", Password: "p"}, "p"},
		{Login{Username: "u", PasswordFile: file}, "from-file"},
		{Login{Username: "u", PasswordEnv: "TIDEGATE_TEST_CAMERA_PASS"}, "from-env"},
		{Login{Username: "u", PasswordEnv: "TIDEGATE_TEST_CAMERA_NONE"}, "variable TIDEGATE_TEST_CAMERA_NONE is not set"},
		{Login{Username: "u", PasswordFile: file + "x"}, "no such file"},
		{Login{Username: "u", Password: "p", PasswordFile: file}, "exclude each other"},
		{Login{Password: "p"}, "a password needs a username"},
	} {
		err := tc.l.Validate()
		var c Credential
		if err == nil {
			c, err = tc.l.Resolve()
		}
		got := c.Password
		if err != nil {
			got = err.Error()
		}
		if !strings.Contains(got, tc.want) {
			t.Errorf("%+v: got %q, want %q", tc.l, got, tc.want)
		}
	}
	c := Credential{Username: "u", Password: "hunter2"}
	for _, s := range []string{c.String(), c.GoString(), fmt.Sprintf("%v %+v %#v", c, c, c)} {
		if strings.Contains(s, "hunter2") {
			t.Errorf("the password shows: %s", s)
		}
	}
}
