package config

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// ByteSize is a number of bytes, written with a unit: "2GiB", "512KiB", "1MB".
type ByteSize int64

// Units. KB, MB, GB and TB are decimal (SI), KiB … TiB binary, as in the IEC standard and
// in Kubernetes quantities; disks are sold in the first, memory is counted in the second.
const (
	Byte ByteSize = 1
	KB   ByteSize = 1000
	MB            = 1000 * KB
	GB            = 1000 * MB
	TB            = 1000 * GB
	KiB  ByteSize = 1 << 10
	MiB           = 1 << 20
	GiB           = 1 << 30
	TiB           = 1 << 40
)

// sizeUnits in the order String tries them: binary first, since storage limits are
// usually powers of two, then decimal, then bytes.
var sizeUnits = []struct {
	name string
	size ByteSize
}{
	{"TiB", TiB}, {"GiB", GiB}, {"MiB", MiB}, {"KiB", KiB},
	{"TB", TB}, {"GB", GB}, {"MB", MB}, {"KB", KB},
	{"B", Byte},
}

// ParseByteSize parses a whole number optionally followed by a unit (B, KB, MB, GB, TB,
// KiB, MiB, GiB, TiB), with or without a space between. A bare number is bytes. Units are
// case-sensitive: "Mb" is megabits to some readers and is refused rather than guessed.
func ParseByteSize(s string) (ByteSize, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return 0, errors.New("empty size")
	}
	end := 0
	for end < len(in) && in[end] >= '0' && in[end] <= '9' {
		end++
	}
	if end == 0 {
		return 0, fmt.Errorf("invalid size %q: use a whole number and a unit, as in 512KiB, 64MiB or 2GiB", in)
	}
	n, err := strconv.ParseInt(in[:end], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid size %q: too large", in)
	}
	unit := strings.TrimLeft(in[end:], " ")
	if unit == "" {
		return ByteSize(n), nil
	}
	for _, u := range sizeUnits {
		if u.name == unit {
			if n > math.MaxInt64/int64(u.size) {
				return 0, fmt.Errorf("invalid size %q: too large", in)
			}
			return ByteSize(n) * u.size, nil
		}
	}
	if unit[0] == '.' {
		return 0, fmt.Errorf("invalid size %q: use a whole number of a smaller unit, as in 1536MiB for 1.5GiB", in)
	}
	return 0, fmt.Errorf("invalid size %q: unknown unit %q (use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB)", in, unit)
}

// String writes the size in the largest unit that holds it exactly ("2GiB", "1500B");
// ParseByteSize reads it back.
func (b ByteSize) String() string {
	if b == 0 {
		return "0B"
	}
	u := sizeUnits[0]
	for i := 1; b%u.size != 0; i++ {
		u = sizeUnits[i] // ends at most at B, which divides every size
	}
	return strconv.FormatInt(int64(b/u.size), 10) + u.name
}

// UnmarshalYAML reads a size scalar (a number of bytes, or a string with a unit),
// reporting a bad one at its position.
func (b *ByteSize) UnmarshalYAML(node ast.Node) error {
	text, err := scalarText(node, "a size such as 512KiB, 64MiB or 2GiB")
	if err != nil {
		return err
	}
	v, err := ParseByteSize(text)
	if err != nil {
		return nodeError(node, err.Error())
	}
	*b = v
	return nil
}
