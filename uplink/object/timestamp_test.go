package object

import (
	"strings"
	"testing"
	"time"
)

func TestTimePattern(t *testing.T) {
	at := time.Date(2024, time.March, 5, 7, 8, 9, 500_000_000, time.UTC)
	tests := []struct {
		pattern, want string
	}{
		{"yyyy/MM/dd/HH", "2024/03/05/07"},
		{"yyyy/MM/dd/HH/", "2024/03/05/07/"},
		{"yy-M-d-H-m-s", "24-3-5-7-8-9"},
		{"uuuu", "2024"},
		{"y", "2024"},
		{"MMM MMMM MMMMM", "Mar March M"},
		{"HH:mm:ss.SSS", "07:08:09.500"},
		{"'year='yyyy'/month='MM", "year=2024/month=03"},
		{"yyyy''MM", "2024'03"},
		{"'it''s' dd", "it's 05"},
		{"'dt='yyyy-MM-dd", "dt=2024-03-05"},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			p, err := parseTimePattern(tt.pattern)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(p.appendTime(nil, at)); got != tt.want {
				t.Errorf("%q renders %q, want %q", tt.pattern, got, tt.want)
			}
		})
	}
}

func TestTimePatternErrors(t *testing.T) {
	tests := []struct {
		pattern, wantIn string
	}{
		{"", "empty"},
		{"yyyy-QQ", `'Q' is not supported`},
		{"ddd", "too many pattern letters"},
		{"'open", "unclosed quote"},
		{"yyyy[MM]", "reserved character '['"},
		{"yyyy#", "reserved character '#'"},
		{"dt=yyyy", `'t' is not supported`},
		{"MMMMMM", "too many"},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			_, err := parseTimePattern(tt.pattern)
			if err == nil || !strings.Contains(err.Error(), tt.wantIn) {
				t.Fatalf("parseTimePattern(%q) = %v, want an error with %q", tt.pattern, err, tt.wantIn)
			}
		})
	}
}
