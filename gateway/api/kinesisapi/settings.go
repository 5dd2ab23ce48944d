package kinesisapi

import (
	"net/http"
	"slices"
	"strings"

	"github.com/tidegate/tidegate/gateway/api/awsjson"
)

// A stream's Kinesis settings that the engine keeps without acting on them —
// its capacity mode, enhanced monitoring and encryption — so that every
// describe reports what infrastructure tools set (Terraform, CloudFormation and
// the CDK call these operations and compare the describes with what they asked
// for). They live in the stream's attributes, which go with the stream.
const (
	attrMode       = "kinesis.stream_mode"
	attrMetrics    = "kinesis.shard_level_metrics" // comma-separated, in shardLevelMetrics order
	attrEncryption = "kinesis.encryption_type"
	attrKeyID      = "kinesis.key_id"
)

// Values of the settings.
const (
	statusActive   = "ACTIVE"
	modeProvision  = "PROVISIONED"
	modeOnDemand   = "ON_DEMAND"
	encryptionNone = "NONE"
	encryptionKMS  = "KMS"
	// onDemandShards is what an ON_DEMAND stream starts with, as in Kinesis.
	onDemandShards = 4
	// onDemandStreamLimit is Kinesis's default quota of ON_DEMAND streams per
	// account, which DescribeLimits reports.
	onDemandStreamLimit = 50
)

// shardLevelMetrics are the metrics EnhancedMonitoring takes, in the order
// Kinesis lists them; ALL stands for every one.
var shardLevelMetrics = []string{
	"IncomingBytes", "IncomingRecords", "OutgoingBytes", "OutgoingRecords",
	"WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded", "IteratorAgeMilliseconds",
}

const metricAll = "ALL"

type streamModeDetails struct{ StreamMode string }

type enhancedMetrics struct{ ShardLevelMetrics []string }

// settings are a stream's Kinesis settings, read from its attributes.
type settings struct {
	mode       string
	metrics    []string
	encryption string
	keyID      string
}

func settingsOf(attrs map[string]string) settings {
	s := settings{mode: attrs[attrMode], encryption: attrs[attrEncryption], keyID: attrs[attrKeyID], metrics: []string{}}
	if s.mode == "" {
		s.mode = modeProvision
	}
	if s.encryption == "" {
		s.encryption = encryptionNone
	}
	if m := attrs[attrMetrics]; m != "" {
		s.metrics = strings.Split(m, ",")
	}
	return s
}

func (s settings) modeDetails() streamModeDetails { return streamModeDetails{s.mode} }

func (s settings) monitoring() []enhancedMetrics {
	return []enhancedMetrics{{ShardLevelMetrics: s.metrics}}
}

// checkMode validates a StreamModeDetails.StreamMode.
func checkMode(member, mode string) error {
	if mode != modeProvision && mode != modeOnDemand {
		return validationError("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]", mode, member)
	}
	return nil
}

// --- UpdateStreamMode

type updateStreamModeInput struct {
	StreamARN         string
	StreamModeDetails *streamModeDetails
}

func (a *API) updateStreamMode(_ *http.Request, in *updateStreamModeInput) (*emptyOutput, error) {
	switch {
	case in.StreamARN == "":
		return nil, required("streamARN")
	case in.StreamModeDetails == nil:
		return nil, required("streamModeDetails")
	}
	if err := checkMode("streamModeDetails.streamMode", in.StreamModeDetails.StreamMode); err != nil {
		return nil, err
	}
	s, err := a.stream(streamRef{StreamARN: in.StreamARN})
	if err != nil {
		return nil, err
	}
	mode := in.StreamModeDetails.StreamMode
	if mode == modeProvision {
		mode = "" // the default
	}
	if err := s.SetAttributes(map[string]string{attrMode: mode}); err != nil {
		return nil, a.streamError(s.Name(), err)
	}
	a.logger().Info("kinesis: stream mode updated", "stream", s.Name(), "mode", in.StreamModeDetails.StreamMode)
	return &emptyOutput{}, nil
}

// --- EnableEnhancedMonitoring, DisableEnhancedMonitoring

type monitoringInput struct {
	streamRef
	ShardLevelMetrics []string
}

type monitoringOutput struct {
	StreamName               string
	StreamARN                string
	CurrentShardLevelMetrics []string
	DesiredShardLevelMetrics []string
}

func (a *API) enableMonitoring(_ *http.Request, in *monitoringInput) (*monitoringOutput, error) {
	return a.changeMonitoring(in, true)
}

func (a *API) disableMonitoring(_ *http.Request, in *monitoringInput) (*monitoringOutput, error) {
	return a.changeMonitoring(in, false)
}

// changeMonitoring adds (enable) or removes the metrics in.ShardLevelMetrics.
// The gateway collects its own metrics (/metrics) whatever is set here.
func (a *API) changeMonitoring(in *monitoringInput, enable bool) (*monitoringOutput, error) {
	switch n := len(in.ShardLevelMetrics); {
	case in.ShardLevelMetrics == nil:
		return nil, required("shardLevelMetrics")
	case n == 0:
		return nil, validationError("Value '[]' at 'shardLevelMetrics' failed to satisfy constraint: Member must have length greater than or equal to 1")
	case n > len(shardLevelMetrics):
		return nil, validationError("Value '[%s]' at 'shardLevelMetrics' failed to satisfy constraint: Member must have length less than or equal to %d",
			strings.Join(in.ShardLevelMetrics, ", "), len(shardLevelMetrics))
	}
	for _, m := range in.ShardLevelMetrics {
		if m != metricAll && !slices.Contains(shardLevelMetrics, m) {
			return nil, validationError("Value '[%s]' at 'shardLevelMetrics' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [%s, %s]]",
				strings.Join(in.ShardLevelMetrics, ", "), strings.Join(shardLevelMetrics, ", "), metricAll)
		}
	}
	s, err := a.stream(in.streamRef)
	if err != nil {
		return nil, err
	}
	current := settingsOf(s.Describe().Attributes).metrics
	change := in.ShardLevelMetrics
	if slices.Contains(change, metricAll) {
		change = shardLevelMetrics
	}
	var desired []string
	for _, m := range shardLevelMetrics { // in Kinesis's order
		on := slices.Contains(current, m)
		if slices.Contains(change, m) {
			on = enable
		}
		if on {
			desired = append(desired, m)
		}
	}
	if err := s.SetAttributes(map[string]string{attrMetrics: strings.Join(desired, ",")}); err != nil {
		return nil, a.streamError(s.Name(), err)
	}
	if desired == nil {
		desired = []string{}
	}
	return &monitoringOutput{StreamName: s.Name(), StreamARN: a.streamARN(s.Name()),
		CurrentShardLevelMetrics: current, DesiredShardLevelMetrics: desired}, nil
}

// --- StartStreamEncryption, StopStreamEncryption

type encryptionInput struct {
	streamRef
	EncryptionType string
	KeyId          string
}

func (a *API) startEncryption(_ *http.Request, in *encryptionInput) (*emptyOutput, error) {
	return a.changeEncryption(in, true)
}

func (a *API) stopEncryption(_ *http.Request, in *encryptionInput) (*emptyOutput, error) {
	return a.changeEncryption(in, false)
}

// changeEncryption records server-side encryption as set or stopped, for the
// describes. The gateway does not call KMS: records are stored as they came
// (encrypt the board's disk), and puts and reads report EncryptionType NONE.
func (a *API) changeEncryption(in *encryptionInput, start bool) (*emptyOutput, error) {
	switch {
	case in.EncryptionType == "":
		return nil, required("encryptionType")
	case in.EncryptionType != encryptionKMS && in.EncryptionType != encryptionNone:
		return nil, validationError("Value '%s' at 'encryptionType' failed to satisfy constraint: Member must satisfy enum value set: [KMS, NONE]", in.EncryptionType)
	case in.KeyId == "":
		return nil, required("keyId")
	case len(in.KeyId) > 2048:
		return nil, validationError("Value '%s' at 'keyId' failed to satisfy constraint: Member must have length less than or equal to 2048", awsjson.Truncate(in.KeyId, 300))
	case in.EncryptionType != encryptionKMS:
		return nil, awsjson.NewError(errInvalidArgument, "KMS is the only valid EncryptionType for this request.")
	}
	s, err := a.stream(in.streamRef)
	if err != nil {
		return nil, err
	}
	attrs := map[string]string{attrEncryption: "", attrKeyID: ""}
	if start {
		attrs = map[string]string{attrEncryption: encryptionKMS, attrKeyID: in.KeyId}
	}
	if err := s.SetAttributes(attrs); err != nil {
		return nil, a.streamError(s.Name(), err)
	}
	a.logger().Info("kinesis: stream encryption setting recorded (records are not encrypted by the gateway)",
		"stream", s.Name(), "encryption", start)
	return &emptyOutput{}, nil
}
