// Package bench measures what the hardware under a gateway can do, so the
// storage engine's figures are read against baselines taken in the same run
// on the same disk, never against numbers remembered from another box.
//
// DiskBaseline is the ceiling for any durable log on the disk: sequential
// 1 MiB writes, each made durable with fdatasync. BoltBaseline is what an
// off-the-shelf embedded store reaches on the same disk with the same
// durability. An engine slower than BoltBaseline has no reason to exist; one
// close to DiskBaseline has little left to gain.
//
// Every MB in this package is a decimal megabyte (1e6 bytes), the unit disk
// datasheets and dd use, so rates compare with them without conversion.
//
// Elapsed times count only time spent in the store (write, sync, commit),
// not time spent generating the random payload, so a slow CPU's generator
// does not masquerade as a slow disk.
package bench
