package bench_test

import (
	"os"

	"github.com/tidegate/tidegate/gateway/bench"
)

func ExampleWriteTable() {
	_ = bench.WriteTable(os.Stdout, "disk baseline", []bench.Row{
		{Name: "write rate", Value: "412.7", Unit: "MB/s", Note: "1 MiB writes, fdatasync each"},
		{Name: "sync p50", Value: "1.9", Unit: "ms"},
		{Name: "sync p99", Value: "3.1", Unit: "ms"},
	})
	// Output:
	// disk baseline
	//   write rate  412.7  MB/s  1 MiB writes, fdatasync each
	//   sync p50    1.9    ms
	//   sync p99    3.1    ms
}
