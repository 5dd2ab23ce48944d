package file_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/file"
)

func ExampleNew() {
	dir, err := os.MkdirTemp("", "tidegate-file-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	s, err := file.New(file.Config{Dir: dir, Prefix: "sensors/", Compression: "gzip"})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	b := &uplink.Batch{
		ID:       "0001",
		Delivery: "to-cloud",
		Created:  time.Date(2024, time.March, 5, 7, 8, 9, 0, time.UTC),
		Records:  []uplink.Record{{PartitionKey: "node-1", Data: []byte(`{"t":21.5}` + "\n")}},
	}
	if err := s.Send(context.Background(), b); err != nil {
		panic(err)
	}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			fmt.Println(filepath.ToSlash(rel))
		}
		return err
	})
	// Output:
	// sensors/2024/03/05/07/to-cloud-1-2024-03-05-07-08-09-127ba070-188f-8ab1-8088-25270f38438e.gz
}
