package shards

import (
	"errors"
	"testing"
)

func TestParseHashKey(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want HashKey
		ok   bool
	}{
		{"0", HashKey{}, true},
		{"1", HashKey{0, 1}, true},
		{"18446744073709551616", HashKey{1, 0}, true},
		{"340282366920938463463374607431768211455", MaxHashKey, true},
		{"340282366920938463463374607431768211456", HashKey{}, false}, // 2^128
		{"999999999999999999999999999999999999999", HashKey{}, false},
		{"", HashKey{}, false},
		{"-1", HashKey{}, false},
		{"12a", HashKey{}, false},
		{"1234567890123456789012345678901234567890", HashKey{}, false}, // 40 digits
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseHashKey(tc.in)
			if tc.ok != (err == nil) {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalidArgument) {
				t.Fatalf("err = %v, want ErrInvalidArgument", err)
			}
			if tc.ok && got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			if tc.ok && got.String() != tc.in {
				t.Fatalf("String() = %s, want %s", got.String(), tc.in)
			}
		})
	}
}

func TestHashPartitionKey(t *testing.T) {
	// MD5("a") = 0cc175b9c0f1b6a831c399e269772661
	got := HashPartitionKey("a")
	want := HashKey{0x0cc175b9c0f1b6a8, 0x31c399e269772661}
	if got != want {
		t.Fatalf("got %x, want %x", got, want)
	}
}

func TestUniformRanges(t *testing.T) {
	// Kinesis splits two shards at 2^127.
	two := uniformRanges(2)
	if two[0].End.String() != "170141183460469231731687303715884105727" ||
		two[1].Start.String() != "170141183460469231731687303715884105728" {
		t.Fatalf("two shards: %v", two)
	}
	for _, n := range []int{1, 2, 3, 4, 7, 16, 1024} {
		rs := uniformRanges(n)
		if len(rs) != n || rs[0].Start != (HashKey{}) || rs[n-1].End != MaxHashKey {
			t.Fatalf("n=%d: ends %v", n, rs)
		}
		for i := 1; i < n; i++ {
			if rs[i-1].End.inc() != rs[i].Start {
				t.Fatalf("n=%d: gap between %d and %d", n, i-1, i)
			}
		}
	}
}
