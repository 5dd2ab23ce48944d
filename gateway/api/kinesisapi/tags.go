package kinesisapi

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/tidegate/tidegate/gateway/api/awsjson"
	"github.com/tidegate/tidegate/shards"
)

// Tag limits, as in Kinesis: a request may carry up to 200 tags (request
// validation), a stream may have 50 (the engine enforces it too).
const (
	maxTags        = 50
	maxTagsPerCall = 200
)

// tagCharsRE is what tag keys and values may hold: Unicode letters, digits,
// white space and _ . : / = + - @.
var tagCharsRE = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

const invalidTagChars = "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . : / = + - @."

// javaMap renders tags as Kinesis's validation messages quote a map: {k=v, …}.
func javaMap(tags map[string]string) string {
	keys := sortedKeys(tags)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + tags[k]
	}
	return awsjson.Truncate("{"+strings.Join(parts, ", ")+"}", 300)
}

func javaList(keys []string) string {
	return awsjson.Truncate("["+strings.Join(keys, ", ")+"]", 300)
}

func sortedKeys(tags map[string]string) []string {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// checkTags validates tags as a request member: the request's validation
// first (count, key and value lengths: ValidationException), then the
// characters (InvalidArgumentException).
func checkTags(tags map[string]string) error {
	switch {
	case len(tags) == 0:
		return validationError("Value '{}' at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1")
	case len(tags) > maxTagsPerCall:
		return validationError("Value '%s' at 'tags' failed to satisfy constraint: Member must have length less than or equal to %d", javaMap(tags), maxTagsPerCall)
	}
	for k, v := range tags {
		if n := utf8.RuneCountInString(k); n < 1 || n > 128 {
			return validationError("Value '%s' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]", javaMap(tags))
		}
		if utf8.RuneCountInString(v) > 256 {
			return validationError("Value '%s' at 'tags' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 256, Member must have length greater than or equal to 0]", javaMap(tags))
		}
	}
	for k, v := range tags {
		if !tagCharsRE.MatchString(k) || !tagCharsRE.MatchString(v) {
			return awsjson.NewError(errInvalidArgument, invalidTagChars)
		}
	}
	return nil
}

// checkTagKeys validates the keys of a removal.
func checkTagKeys(keys []string, max int) error {
	switch {
	case keys == nil:
		return required("tagKeys")
	case len(keys) == 0:
		return validationError("Value '[]' at 'tagKeys' failed to satisfy constraint: Member must have length greater than or equal to 1")
	case len(keys) > max:
		return validationError("Value '%s' at 'tagKeys' failed to satisfy constraint: Member must have length less than or equal to %d", javaList(keys), max)
	}
	for _, k := range keys {
		if n := utf8.RuneCountInString(k); n < 1 || n > 128 {
			return validationError("Value '%s' at 'tagKeys' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]", javaList(keys))
		}
	}
	for _, k := range keys {
		if !tagCharsRE.MatchString(k) {
			return awsjson.NewError(errInvalidArgument, invalidTagChars)
		}
	}
	return nil
}

// tooManyTags is the refusal of tags that would take a stream past 50; what
// is "add tags to stream NAME", kind "stream" or "resource".
func (a *API) tooManyTags(what, kind string) *awsjson.Error {
	return awsjson.NewError(errInvalidArgument, "Failed to %s under account %s because a given %s cannot have more than %d tags associated with it.",
		what, a.account(), kind, maxTags)
}

// addTags adds tags to s, refusing them when the stream would hold more than 50.
func (a *API) addTags(s *shards.Stream, tags map[string]string, what, kind string) error {
	have := s.Describe().Tags
	n := len(have)
	for k := range tags {
		if _, ok := have[k]; !ok {
			n++
		}
	}
	if n > maxTags {
		return a.tooManyTags(what, kind)
	}
	err := s.SetTags(tags)
	if errors.Is(err, shards.ErrLimitExceeded) { // tags added meanwhile
		return a.tooManyTags(what, kind)
	}
	if err != nil {
		return a.streamError(s.Name(), err)
	}
	return nil
}

type addTagsInput struct {
	streamRef
	Tags map[string]string
}

func (a *API) addTagsToStream(_ *http.Request, in *addTagsInput) (*emptyOutput, error) {
	if in.Tags == nil {
		return nil, required("tags")
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	s, err := a.stream(in.streamRef)
	if err != nil {
		return nil, err
	}
	if err := a.addTags(s, in.Tags, "add tags to stream "+s.Name(), "stream"); err != nil {
		return nil, err
	}
	return &emptyOutput{}, nil
}

type removeTagsInput struct {
	streamRef
	TagKeys []string
}

func (a *API) removeTagsFromStream(_ *http.Request, in *removeTagsInput) (*emptyOutput, error) {
	if err := checkTagKeys(in.TagKeys, maxTags); err != nil {
		return nil, err
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
	out := &listTagsOutput{Tags: []tag{}}
	for _, k := range sortedKeys(tags) {
		if k <= in.ExclusiveStartTagKey {
			continue
		}
		if len(out.Tags) == int(lim) {
			out.HasMoreTags = true
			break
		}
		out.Tags = append(out.Tags, tag{Key: k, Value: tags[k]})
	}
	return out, nil
}

// --- TagResource, UntagResource, ListTagsForResource: tags by ARN

const resourceARNPattern = `arn:aws.*:kinesis:.*:\d{12}:.*stream/\S+`

// resourceStream resolves a ResourceARN to its stream. Consumers have no tags
// here: the engine keeps no settings for them.
func (a *API) resourceStream(arn string) (*shards.Stream, error) {
	switch {
	case arn == "":
		return nil, required("resourceARN")
	case len(arn) > 2048:
		return nil, validationError("Value '%s' at 'resourceARN' failed to satisfy constraint: Member must have length less than or equal to 2048", awsjson.Truncate(arn, 300))
	case consumerARNRE.MatchString(arn):
		return nil, awsjson.NewError(errInvalidArgument, "Tagging stream consumers is not supported by this gateway: tag the stream instead. ResourceARN: %s", arn)
	case !streamARNRE.MatchString(arn):
		return nil, validationError("Value '%s' at 'resourceARN' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", arn, resourceARNPattern)
	}
	return a.stream(streamRef{StreamARN: arn})
}

type tagResourceInput struct {
	ResourceARN string
	Tags        map[string]string
}

func (a *API) tagResource(_ *http.Request, in *tagResourceInput) (*emptyOutput, error) {
	if in.Tags == nil {
		return nil, required("tags")
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	s, err := a.resourceStream(in.ResourceARN)
	if err != nil {
		return nil, err
	}
	if err := a.addTags(s, in.Tags, fmt.Sprintf("add tags to resource %s", in.ResourceARN), "resource"); err != nil {
		return nil, err
	}
	return &emptyOutput{}, nil
}

type untagResourceInput struct {
	ResourceARN string
	TagKeys     []string
}

func (a *API) untagResource(_ *http.Request, in *untagResourceInput) (*emptyOutput, error) {
	if err := checkTagKeys(in.TagKeys, maxTagsPerCall); err != nil {
		return nil, err
	}
	s, err := a.resourceStream(in.ResourceARN)
	if err != nil {
		return nil, err
	}
	return a.reconfigured(s, s.RemoveTags(in.TagKeys))
}

type listTagsForResourceInput struct{ ResourceARN string }

type listTagsForResourceOutput struct{ Tags []tag }

func (a *API) listTagsForResource(_ *http.Request, in *listTagsForResourceInput) (*listTagsForResourceOutput, error) {
	s, err := a.resourceStream(in.ResourceARN)
	if err != nil {
		return nil, err
	}
	tags := s.Describe().Tags
	out := &listTagsForResourceOutput{Tags: []tag{}}
	for _, k := range sortedKeys(tags) {
		out.Tags = append(out.Tags, tag{Key: k, Value: tags[k]})
	}
	return out, nil
}
