package shards

// hooks are test seams: they let a test stall the engine where a slow disk
// or a slow reader would, to show what else has to wait. A Store gets them
// only from a test in this package (Options.hooks); each is nil otherwise.
type hooks struct {
	// inSegmentRead runs inside a reader's bbolt transaction on a segment.
	inSegmentRead func(path string)
	// inCatalogCreate runs inside the catalog transaction that creates a
	// stream, before it commits and fsyncs.
	inCatalogCreate func(name string)
	// tipsPublished runs on the committer once a commit's shard tips are
	// published, before its puts are answered.
	tipsPublished func()
	// segmentWrite runs on the committer before a commit writes its
	// segment; an error fails the commit as a failed write would (ENOSPC,
	// on any filesystem).
	segmentWrite func(path string) error
}
