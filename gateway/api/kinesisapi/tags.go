package kinesisapi

import (
	"net/http"
	"sort"
	"unicode/utf8"
)

// Tag limits, as in Kinesis: at most 50 per call and per stream (the engine
// enforces the latter).
const maxTags = 50

func checkTags(tags map[string]string, max int) error {
	if len(tags) > max {
		return validationError("Value '%v' at 'tags' failed to satisfy constraint: Member must have length less than or equal to %d", tags, max)
	}
	for k, v := range tags {
		if n := utf8.RuneCountInString(k); n < 1 || n > 128 {
			return validationError("Value '%s' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]", k)
		}
		if utf8.RuneCountInString(v) > 256 {
			return validationError("Value '%s' at 'tags.%s' failed to satisfy constraint: Member must have length less than or equal to 256", v, k)
		}
	}
	return nil
}

type addTagsInput struct {
	streamRef
	Tags map[string]string
}

func (a *API) addTagsToStream(_ *http.Request, in *addTagsInput) (*emptyOutput, error) {
	if len(in.Tags) == 0 {
		return nil, validationError("Value '{}' at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if err := checkTags(in.Tags, maxTags); err != nil {
		return nil, err
	}
	s, err := a.stream(in.streamRef)
	if err != nil {
		return nil, err
	}
	return a.reconfigured(s, s.SetTags(in.Tags))
}

type removeTagsInput struct {
	streamRef
	TagKeys []string
}

func (a *API) removeTagsFromStream(_ *http.Request, in *removeTagsInput) (*emptyOutput, error) {
	switch {
	case len(in.TagKeys) == 0:
		return nil, validationError("Value '[]' at 'tagKeys' failed to satisfy constraint: Member must have length greater than or equal to 1")
	case len(in.TagKeys) > maxTags:
		return nil, validationError("Value '%v' at 'tagKeys' failed to satisfy constraint: Member must have length less than or equal to %d", in.TagKeys, maxTags)
	}
	s, err := a.stream(in.streamRef)
	if err != nil {
		return nil, err
	}
	return a.reconfigured(s, s.RemoveTags(in.TagKeys))
}

type listTagsInput struct {
	streamRef
	ExclusiveStartTagKey string
	Limit                *int32
}

type tag struct{ Key, Value string }

type listTagsOutput struct {
	Tags        []tag
	HasMoreTags bool
}

func (a *API) listTagsForStream(_ *http.Request, in *listTagsInput) (*listTagsOutput, error) {
	lim, err := limit("limit", in.Limit, maxTags, maxTags)
	if err != nil {
		return nil, err
	}
	s, err := a.stream(in.streamRef)
	if err != nil {
		return nil, err
	}
	tags := s.Describe().Tags
	keys := make([]string, 0, len(tags))
	for k := range tags {
		if k > in.ExclusiveStartTagKey {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	out := &listTagsOutput{Tags: []tag{}}
	for _, k := range keys {
		if len(out.Tags) == int(lim) {
			out.HasMoreTags = true
			break
		}
		out.Tags = append(out.Tags, tag{Key: k, Value: tags[k]})
	}
	return out, nil
}
