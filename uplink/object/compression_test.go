package object

import "testing"

func TestParseCompression(t *testing.T) {
	tests := []struct {
		in       string
		want     Compression
		ext, enc string
		wantErr  bool
	}{
		{in: "", want: None},
		{in: "none", want: None},
		{in: "UNCOMPRESSED", want: None},
		{in: "gzip", want: Gzip, ext: ".gz", enc: "gzip"},
		{in: "GZIP", want: Gzip, ext: ".gz", enc: "gzip"},
		{in: "zstd", want: Zstd, ext: ".zst", enc: "zstd"},
		{in: "Snappy", want: Snappy, ext: ".snappy", enc: "x-snappy-framed"},
		{in: "zip", wantErr: true},
		{in: "lz4", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseCompression(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseCompression(%q) = %v, want an error", tt.in, got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseCompression(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
			if got.Extension() != tt.ext || got.ContentEncoding() != tt.enc {
				t.Errorf("%v: extension %q, encoding %q; want %q, %q", got, got.Extension(), got.ContentEncoding(), tt.ext, tt.enc)
			}
			back, err := ParseCompression(got.String())
			if err != nil || back != got {
				t.Errorf("ParseCompression(%q) = %v, %v; want %v back", got.String(), back, err, got)
			}
		})
	}
}
