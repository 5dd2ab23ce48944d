package shards

import "context"

// PutAll stores any number of records: it splits them into puts within the
// PutRecords limits (500 records, 5 MiB), submits them one after another so
// they keep their order, and returns once all are on disk. On an error some
// of the puts may be stored; a caller that retries may store those twice.
func (s *Stream) PutAll(ctx context.Context, entries []PutEntry) error {
	return s.putAll(ctx, entries, false)
}

// PutAllReserved is PutAll for the gateway's own reports (status events):
// they may use the space the disk guard keeps in reserve, which new data
// may not, so that a full disk can still be reported in a stream — and
// forwarded by a delivery. Keep them few and small: they share the reserve
// with checkpoints and markers.
func (s *Stream) PutAllReserved(ctx context.Context, entries []PutEntry) error {
	return s.putAll(ctx, entries, true)
}

func (s *Stream) putAll(ctx context.Context, entries []PutEntry, reserved bool) error {
	var pending []*Pending
	for len(entries) > 0 {
		n, size := 0, 0
		for n < len(entries) && n < MaxRecordsPerPut {
			sz := len(entries[n].PartitionKey) + len(entries[n].Data)
			if n > 0 && size+sz > MaxBytesPerPut {
				break
			}
			size += sz
			n++
		}
		p, err := s.submit(ctx, entries[:n], reserved)
		if err != nil {
			return err
		}
		pending = append(pending, p)
		entries = entries[n:]
	}
	for _, p := range pending {
		if _, err := p.Wait(ctx); err != nil {
			return err
		}
	}
	return nil
}
