// Package powercut is a test filesystem that loses what a power cut
// loses, and a harness that runs a store's workload on it, cuts the
// power at random moments and checks the store's promise afterwards.
//
// A SIGKILL keeps the kernel's page cache: a write that was never
// fsync'd survives it, and is lost on the first real power cut. The
// filesystem (FUSE, over a real backing directory) follows the POSIX
// rules rather than ext4's kinder defaults:
//
//   - Reads see every write at once, as the page cache shows it, through
//     read(2) and through mmap alike.
//   - fsync or fdatasync of a file makes its data and size durable
//     (writes, truncates, growth; a full fsync its mode too), and nothing
//     else: not its name.
//   - A create, mkdir, symlink, link, unlink, rmdir or rename is durable
//     once its directory has been fsync'd after it (both directories,
//     for a rename between two), in the order made.
//   - Cut drops everything else, optionally tears the last unsynced
//     write of a file at a 512- or 4096-byte boundary, and unmounts; the
//     backing directory then holds what the power cut left.
//
// # Model
//
// Each inode has a volatile state (the page cache and dentry cache) and
// a durable one. A file's durable content is a backing inode: a named
// file of the backing directory, or an anonymous one (O_TMPFILE) while no
// durable name reaches it, so that it vanishes at the cut as an orphan
// inode does. Its volatile content is the dirty pages written since the
// last fsync over the backing inode; a truncate hides the backing bytes
// past its new size. An fsync writes the dirty pages and the size to the
// backing inode.
//
// A directory keeps its volatile entries, its durable entries and a
// queue of the namespace operations not yet durable. An fsync of the
// directory marks the operations in its queue; an operation is applied
// to the durable entries once every directory it changes has marked it
// and it is first in each of their queues. A durable directory reachable
// from the root exists in the backing directory, and the operation is
// applied there too; one that becomes reachable is made there with its
// durable entries.
//
// Inode identity survives renames: a file renamed before its create is
// durable keeps its content under its new name, and a file unlinked while
// open can be written, synced and (if the unlink was not durable) found
// again after the cut with what was synced. A file's owner and times are
// kept in memory only. A directory moves only within its parent (rename
// to another one answers EXDEV, which mv and others handle by copying),
// so the durable tree can never form a cycle.
//
// Not implemented, and what a caller gets instead: xattrs (EOPNOTSUPP),
// devices, FIFOs and sockets (mknod answers EPERM; those in a backing
// directory are not shown), O_TMPFILE on the mount (EOPNOTSUPP),
// RENAME_EXCHANGE and RENAME_WHITEOUT (EINVAL), fallocate other than a
// plain allocation or FALLOC_FL_KEEP_SIZE (EOPNOTSUPP). copy_file_range
// and lseek's SEEK_DATA and SEEK_HOLE are left to the kernel's generic
// fallbacks: a copy by reads and writes, a file that is all data.
// Permissions are not checked. Locks (flock, fcntl) are the kernel's,
// local to the mount. The package builds on 64-bit Linux only: go-fuse
// v2.12.1 does not compile for 32-bit targets.
//
// # Concurrency
//
// One mutex, FS.mu, guards all state; every FUSE request holds it from
// start to end, backing I/O included, so a request is atomic with
// respect to Cut. The FUSE server runs in the test process: a program
// that mmaps a file of the mount must run in another process (a page
// fault the server must answer can stall the Go runtime's stop-the-world
// in the process that serves it). The harness runs every workload in a
// child process.
//
// # Harness
//
// Run executes a Workload: the test binary is started again as the child
// test, which writes through the mount and acknowledges each operation
// whose durability the store promises (Child.Ack); the parent cuts after
// a random number of acknowledgements or at a random time, kills the
// child with SIGKILL, cuts the filesystem, and hands the backing
// directory and the acknowledgements to the workload's check; the next
// cycle mounts the same directory again. A failure prints the seed, the
// cycle, the cut point and the dropped operations;
// TIDEGATE_POWERCUT_SEED=... replays the schedule.
package powercut
