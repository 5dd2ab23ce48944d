// Package disktest gives tests of the disk guard and its stores a small
// disk: a real one (Tmpfs, where the test may mount one) and one that is
// only counted (Quota, everywhere), which the guard samples instead of
// statfs.
package disktest
