package kinesisapi

import "github.com/tidegate/tidegate/shards"

// validShardID reports whether id is a shard id ("shardId-000000000001" or,
// as Kinesis accepts, "1").
func validShardID(id string) bool {
	_, err := shards.ParseShardID(id)
	return err == nil
}

// shardAfter reports whether shard id comes after shard after in listing
// order: by index when both parse, else as strings.
func shardAfter(id, after string) bool {
	i, err1 := shards.ParseShardID(id)
	j, err2 := shards.ParseShardID(after)
	if err1 == nil && err2 == nil {
		return i > j
	}
	return id > after
}
