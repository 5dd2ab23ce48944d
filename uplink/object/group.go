package object

import "github.com/tidegate/tidegate/uplink"

// Group is records that share an escaped partition key.
type Group struct {
	// Key is the records' partition key, escaped by EscapePartitionKey.
	Key     string
	Records []uplink.Record
}

// GroupByPartitionKey splits records by their escaped partition key, the
// groups in the order their first record appears and each group's records
// in their order in recs (so a shard's records stay in order). Keys that
// escape alike share a group, so two groups never get the same object name.
func GroupByPartitionKey(recs []uplink.Record) []Group {
	index := make(map[string]int)
	var groups []Group
	for _, r := range recs {
		k := EscapePartitionKey(r.PartitionKey)
		i, ok := index[k]
		if !ok {
			i = len(groups)
			index[k] = i
			groups = append(groups, Group{Key: k})
		}
		groups[i].Records = append(groups[i].Records, r)
	}
	return groups
}
