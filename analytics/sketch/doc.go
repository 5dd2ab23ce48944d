// Package sketch holds the bounded-memory summaries behind the approximate aggregates:
// KLL, a quantile sketch (PERCENTILE, MEDIAN), and HyperLogLog, a distinct counter (COUNT
// DISTINCT past its exact limit). Both merge (the partial results of two windows or two
// partitions combine into the sketch of their union), are deterministic (their randomness
// comes from a seeded generator that is part of their state) and serialise to bytes for
// checkpoints.
//
// KLL (Karnin, Lang, Liberty 2016) keeps levels of sorted samples; an item at level h
// stands for 2^h inputs. When a level outgrows its capacity (k at the top, shrinking by 2/3
// per level down, never below 8) it is compacted: sorted, and every other item, starting at
// a random one of the first two, moves up a level. With k = 200 it keeps at most 3k values plus
// 8 per level (under 8 KB, MaxKLLBytes) whatever the input size, and the rank of a returned quantile is within
// ±1.7% of the requested one with 99% probability (TestKLLRankError measures it on several
// distributions and sizes).
//
// HyperLogLog (Flajolet et al. 2007, with the small-range correction of Heule et al. 2013)
// keeps 2^12 6-bit registers (4 KB as bytes): the standard error of its estimate is
// 1.04/√4096 = 1.6% (TestHLLError).
package sketch
