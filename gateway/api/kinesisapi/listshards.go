package kinesisapi

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"

	"github.com/tidegate/tidegate/gateway/api/awsjson"
	"github.com/tidegate/tidegate/shards"
)

type listShardsInput struct {
	streamRef
	NextToken               string
	MaxResults              *int32
	ExclusiveStartShardId   string
	ShardFilter             *shardFilter
	StreamCreationTimestamp *timestamp
}

type shardFilter struct {
	Type      string
	ShardId   string
	Timestamp *timestamp
}

type listShardsOutput struct {
	Shards    []shard
	NextToken string `json:",omitempty"`
}

// listToken is ListShards' NextToken: where the last page ended and the
// filter it applied. Like Kinesis's, it expires after five minutes.
type listToken struct {
	Stream string       `json:"s"`
	ID     int64        `json:"i"`
	After  string       `json:"a"`
	Filter *shardFilter `json:"f,omitempty"`
	Issued int64        `json:"t"`
}

const listTokenTTL = 5 * time.Minute

func (a *API) listShards(_ *http.Request, in *listShardsInput) (*listShardsOutput, error) {
	max, err := limit("maxResults", in.MaxResults, 1000, 10000)
	if err != nil {
		return nil, err
	}
	after, filter := in.ExclusiveStartShardId, in.ShardFilter
	var s *shards.Stream
	if in.NextToken != "" {
		if in.StreamName != "" || in.StreamARN != "" || in.ExclusiveStartShardId != "" || in.ShardFilter != nil {
			return nil, awsjson.NewError(errInvalidArgument, "NextToken and StreamName, StreamARN, ExclusiveStartShardId or ShardFilter cannot be provided together.")
		}
		tok, err := a.decodeListToken(in.NextToken)
		if err != nil {
			return nil, err
		}
		if s, err = a.streamByName(tok.Stream); err != nil {
			return nil, err
		}
		if s.Describe().ID != tok.ID {
			return nil, a.notFound(tok.Stream)
		}
		after, filter = tok.After, tok.Filter
	} else if s, err = a.stream(in.streamRef); err != nil {
		return nil, err
	}
	info := s.Describe()
	keep, err := filterShards(info.Shards, filter)
	if err != nil {
		return nil, err
	}
	out := &listShardsOutput{Shards: []shard{}}
	for i, sh := range info.Shards {
		if !keep[i] || (after != "" && !shardAfter(sh.ShardID, after)) {
			continue
		}
		if len(out.Shards) == int(max) {
			out.NextToken = a.encodeListToken(listToken{Stream: info.Name, ID: info.ID,
				After: out.Shards[len(out.Shards)-1].ShardId, Filter: filter})
			break
		}
		out.Shards = append(out.Shards, shardOut(sh))
	}
	return out, nil
}

func (a *API) encodeListToken(t listToken) string {
	t.Issued = a.now().UnixMilli()
	b, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (a *API) decodeListToken(s string) (listToken, error) {
	var t listToken
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &t) != nil || t.Stream == "" {
		return t, awsjson.NewError(errInvalidArgument, "Invalid NextToken.")
	}
	if a.now().Sub(time.UnixMilli(t.Issued)) > listTokenTTL {
		return t, awsjson.NewError(errExpiredNextToken, "The timestamp in the NextToken has expired.")
	}
	return t, nil
}

// filterShards applies a ShardFilter to a stream's shards (in creation
// order) and reports which to keep. A shard opens at its starting sequence
// number and closes when its children open. The engine forgets a closed
// shard once it closed longer ago than the retention period, so every shard
// listed holds data newer than the trim horizon.
func filterShards(all []shards.ShardInfo, f *shardFilter) ([]bool, error) {
	keep := make([]bool, len(all))
	if f == nil {
		for i := range keep {
			keep[i] = true
		}
		return keep, nil
	}
	listed := make(map[string]bool, len(all))
	for _, sh := range all {
		listed[sh.ShardID] = true
	}
	root := func(sh shards.ShardInfo) bool {
		return !listed[sh.ParentShardID] && !listed[sh.AdjacentParentShardID]
	}
	// openAt reports whether a shard was open at time t (Unix ms).
	openAt := func(sh shards.ShardInfo, t int64) bool {
		return sh.Opened.UnixMilli() <= t && (sh.Open() || sh.Closed.UnixMilli() > t)
	}
	switch f.Type {
	case "AFTER_SHARD_ID":
		if f.ShardId == "" {
			return nil, awsjson.NewError(errInvalidArgument, "ShardFilter type AFTER_SHARD_ID requires a ShardId.")
		}
		for i, sh := range all {
			keep[i] = shardAfter(sh.ShardID, f.ShardId)
		}
	case "AT_TRIM_HORIZON":
		for i, sh := range all {
			keep[i] = root(sh)
		}
	case "FROM_TRIM_HORIZON":
		for i := range all {
			keep[i] = true
		}
	case "AT_LATEST":
		for i, sh := range all {
			keep[i] = sh.Open()
		}
	case "AT_TIMESTAMP", "FROM_TIMESTAMP":
		if f.Timestamp == nil {
			return nil, awsjson.NewError(errInvalidArgument, "ShardFilter type %s requires a Timestamp.", f.Type)
		}
		t := f.Timestamp.UnixMilli()
		found := false
		for i, sh := range all {
			if f.Type == "AT_TIMESTAMP" {
				keep[i] = openAt(sh, t)
			} else {
				keep[i] = sh.Open() || sh.Closed.UnixMilli() > t
			}
			found = found || keep[i]
		}
		if !found { // before the stream existed: start at its first shards
			for i, sh := range all {
				keep[i] = root(sh)
			}
		}
	default:
		return nil, validationError("Value '%s' at 'shardFilter.type' failed to satisfy constraint: Member must satisfy enum value set: [AFTER_SHARD_ID, AT_TRIM_HORIZON, FROM_TRIM_HORIZON, AT_LATEST, AT_TIMESTAMP, FROM_TIMESTAMP]", f.Type)
	}
	return keep, nil
}
