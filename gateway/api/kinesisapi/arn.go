package kinesisapi

import (
	"errors"
	"net/http"
	"regexp"
	"strconv"

	"github.com/tidegate/tidegate/gateway/api/awsjson"
	"github.com/tidegate/tidegate/shards"
)

const (
	defaultRegion  = "us-east-1"
	defaultAccount = "000000000000"
)

func (a *API) region() string {
	if a.Region == "" {
		return defaultRegion
	}
	return a.Region
}

func (a *API) account() string {
	if a.AccountID == "" {
		return defaultAccount
	}
	return a.AccountID
}

func (a *API) arnPrefix() string {
	return "arn:aws:kinesis:" + a.region() + ":" + a.account() + ":stream/"
}

// streamARN is arn:aws:kinesis:{region}:{account}:stream/{name}.
func (a *API) streamARN(name string) string { return a.arnPrefix() + name }

// consumerARN is the stream's ARN with /consumer/{name}:{creation epoch
// seconds}: the creation time tells a re-registered consumer of the same name
// from the one an old ARN named, as in Kinesis.
func (a *API) consumerARN(stream string, c shards.Consumer) string {
	return a.streamARN(stream) + "/consumer/" + c.Name + ":" + strconv.FormatInt(c.Created.Unix(), 10)
}

var (
	nameRE        = regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`)
	streamARNRE   = regexp.MustCompile(`^arn:aws[a-z-]*:kinesis:([a-z0-9-]*):(\d{12}):stream/([^/\s]+)$`)
	consumerARNRE = regexp.MustCompile(`^arn:aws[a-z-]*:kinesis:([a-z0-9-]*):(\d{12}):stream/([a-zA-Z0-9_.-]+)/consumer/([a-zA-Z0-9_.-]+):([0-9]+)$`)
)

const (
	streamARNPattern   = `arn:aws.*:kinesis:.*:\d{12}:stream/\S+`
	consumerARNPattern = `^(arn):aws.*:kinesis:.*:\d{12}:.*stream\/[a-zA-Z0-9_.-]+\/consumer\/[a-zA-Z0-9_.-]+:[0-9]+`
)

// checkName validates a stream or consumer name the way Kinesis's request
// validation does.
func checkName(member, name string) error {
	switch {
	case len(name) > 128:
		return validationError("Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to 128", name, member)
	case !nameRE.MatchString(name):
		return validationError("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+", name, member)
	}
	return nil
}

// streamRef names a stream by StreamName or StreamARN; operations embed it.
type streamRef struct {
	StreamName string `json:",omitempty"`
	StreamARN  string `json:",omitempty"`
}

// name resolves the reference to a stream name. Both may be given if they
// agree.
func (a *API) name(ref streamRef) (string, error) {
	name := ref.StreamName
	if ref.StreamARN != "" {
		n, err := a.parseStreamARN(ref.StreamARN)
		if err != nil {
			return "", err
		}
		if name != "" && name != n {
			return "", awsjson.NewError(errInvalidArgument, "StreamARN %s and StreamName %s do not name the same stream.", ref.StreamARN, name)
		}
		name = n
	}
	if name == "" {
		return "", awsjson.NewError(errInvalidArgument, "Either StreamName or StreamARN should be provided.")
	}
	return name, checkName("streamName", name)
}

func (a *API) parseStreamARN(arn string) (string, error) {
	m := streamARNRE.FindStringSubmatch(arn)
	if m == nil {
		return "", validationError("Value '%s' at 'streamARN' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", arn, streamARNPattern)
	}
	if m[1] != a.region() || m[2] != a.account() {
		return "", awsjson.NewError(errResourceNotFound, "Stream %s under account %s not found.", arn, m[2])
	}
	return m[3], nil
}

// stream returns the stream a request names.
func (a *API) stream(ref streamRef) (*shards.Stream, error) {
	name, err := a.name(ref)
	if err != nil {
		return nil, err
	}
	return a.streamByName(name)
}

func (a *API) streamByName(name string) (*shards.Stream, error) {
	s, err := a.Store.Stream(name)
	if err != nil {
		return nil, a.streamError(name, err)
	}
	return s, nil
}

// streamError describes a failure to use stream name as Kinesis would: a
// missing (or concurrently deleted) stream is ResourceNotFoundException, a
// closed store an internal failure.
func (a *API) streamError(name string, err error) error {
	switch {
	case errors.Is(err, shards.ErrNotFound):
		return a.notFound(name)
	case errors.Is(err, shards.ErrClosed):
		if _, serr := a.Store.Stream(name); errors.Is(serr, shards.ErrNotFound) {
			return a.notFound(name)
		}
		return &awsjson.Error{Type: errInternalFailure, Message: "the gateway is shutting down", Status: http.StatusInternalServerError}
	}
	return err
}

func (a *API) notFound(name string) *awsjson.Error {
	return awsjson.NewError(errResourceNotFound, "Stream %s under account %s not found.", name, a.account())
}

// consumerRef names a consumer by ConsumerARN, or by StreamARN and
// ConsumerName.
type consumerRef struct {
	StreamARN    string `json:",omitempty"`
	ConsumerName string `json:",omitempty"`
	ConsumerARN  string `json:",omitempty"`
}

// consumer resolves a consumer reference to its stream and registration.
func (a *API) consumer(ref consumerRef) (*shards.Stream, shards.Consumer, error) {
	var streamName, name string
	var created int64 = -1
	switch {
	case ref.ConsumerARN != "":
		m := consumerARNRE.FindStringSubmatch(ref.ConsumerARN)
		if m == nil {
			return nil, shards.Consumer{}, validationError("Value '%s' at 'consumerARN' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", ref.ConsumerARN, consumerARNPattern)
		}
		if m[1] != a.region() || m[2] != a.account() {
			return nil, shards.Consumer{}, awsjson.NewError(errResourceNotFound, "Consumer %s not found.", ref.ConsumerARN)
		}
		streamName, name = m[3], m[4]
		created, _ = strconv.ParseInt(m[5], 10, 64)
	case ref.StreamARN != "" && ref.ConsumerName != "":
		n, err := a.parseStreamARN(ref.StreamARN)
		if err != nil {
			return nil, shards.Consumer{}, err
		}
		if err := checkName("consumerName", ref.ConsumerName); err != nil {
			return nil, shards.Consumer{}, err
		}
		streamName, name = n, ref.ConsumerName
	default:
		return nil, shards.Consumer{}, awsjson.NewError(errInvalidArgument, "Either ConsumerARN or both ConsumerName and StreamARN must be provided.")
	}
	s, err := a.streamByName(streamName)
	if err != nil {
		return nil, shards.Consumer{}, err
	}
	cs, err := s.Consumers()
	if err != nil {
		return nil, shards.Consumer{}, a.streamError(streamName, err)
	}
	for _, c := range cs {
		if c.Name == name && (created < 0 || c.Created.Unix() == created) {
			return s, c, nil
		}
	}
	what := ref.ConsumerARN
	if what == "" {
		what = ref.StreamARN + "/consumer/" + name
	}
	return nil, shards.Consumer{}, awsjson.NewError(errResourceNotFound, "Consumer %s not found.", what)
}
