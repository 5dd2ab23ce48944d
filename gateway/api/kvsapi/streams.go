package kvsapi

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/tidegate/tidegate/gateway/api/awsjson"
	"github.com/tidegate/tidegate/video/fragments"
)

// streamRef names a stream, by name or by ARN, as every operation takes it.
type streamRef struct {
	StreamName string `json:"StreamName,omitempty"`
	StreamARN  string `json:"StreamARN,omitempty"`
}

var arnPattern = regexp.MustCompile(`^arn:[a-z\d-]+:kinesisvideo:[a-z0-9-]+:[0-9]+:stream/([a-zA-Z0-9_.-]+)/[0-9]+$`)

// camera resolves a reference to a camera of the store.
func (a *API) camera(ref streamRef) (fragments.CameraInfo, error) {
	name := ref.StreamName
	switch {
	case ref.StreamARN != "":
		m := arnPattern.FindStringSubmatch(ref.StreamARN)
		if m == nil {
			return fragments.CameraInfo{}, invalid("StreamARN %q is not a Kinesis video stream ARN", awsjson.Truncate(ref.StreamARN, 200))
		}
		if name != "" && name != m[1] {
			return fragments.CameraInfo{}, invalid("StreamName %q and StreamARN %q name different streams", name, ref.StreamARN)
		}
		name = m[1]
	case name == "":
		return fragments.CameraInfo{}, invalid("Either StreamName or StreamARN must be specified")
	}
	if !fragments.ValidCameraName(name) {
		return fragments.CameraInfo{}, invalid("StreamName %q does not match [a-zA-Z0-9_.-]+ or is longer than 128", awsjson.Truncate(name, 300))
	}
	info, err := a.Store.Camera(name)
	if err != nil {
		return info, notFound("The requested stream is not found or not active: %s", name)
	}
	return info, nil
}

// streamARN is arn:aws:kinesisvideo:{region}:{account}:stream/{name}/0:
// a camera has no creation time of its own to put in it.
func (a *API) streamARN(name string) string {
	region, account := a.Region, a.AccountID
	if region == "" {
		region = "us-east-1"
	}
	if account == "" {
		account = "000000000000"
	}
	return "arn:aws:kinesisvideo:" + region + ":" + account + ":stream/" + name + "/0"
}

type streamInfo struct {
	StreamName           string     `json:"StreamName"`
	StreamARN            string     `json:"StreamARN"`
	MediaType            string     `json:"MediaType,omitempty"`
	Version              string     `json:"Version"`
	Status               string     `json:"Status"`
	CreationTime         *timestamp `json:"CreationTime,omitempty"`
	DataRetentionInHours int64      `json:"DataRetentionInHours"`
}

// mediaType names a codec of the store as Kinesis Video's MediaType does.
func mediaType(codec string) string {
	switch codec {
	case "h264":
		return "video/h264"
	case "hevc":
		return "video/h265"
	case "mjpeg":
		return "video/x-motion-jpeg"
	case "aac":
		return "audio/aac"
	case "opus":
		return "audio/opus"
	case "pcm_s16be":
		return "audio/L16"
	}
	return ""
}

func (a *API) info(c fragments.CameraInfo) streamInfo {
	var types []string
	for _, codec := range strings.Split(c.Codecs, ",") {
		if t := mediaType(codec); t != "" {
			types = append(types, t)
		}
	}
	return streamInfo{StreamName: c.Name, StreamARN: a.streamARN(c.Name), MediaType: strings.Join(types, ","),
		Version: "1", Status: "ACTIVE", CreationTime: stamp(c.Oldest), DataRetentionInHours: int64(c.Config.Retention / time.Hour)}
}

type describeStreamOutput struct {
	StreamInfo streamInfo `json:"StreamInfo"`
}

func (a *API) describeStream(r *http.Request, in *streamRef) (*describeStreamOutput, error) {
	c, err := a.camera(*in)
	if err != nil {
		return nil, err
	}
	return &describeStreamOutput{StreamInfo: a.info(c)}, nil
}

type listStreamsInput struct {
	MaxResults          *int64 `json:"MaxResults"`
	NextToken           string `json:"NextToken"`
	StreamNameCondition *struct {
		ComparisonOperator string `json:"ComparisonOperator"`
		ComparisonValue    string `json:"ComparisonValue"`
	} `json:"StreamNameCondition"`
}

type listStreamsOutput struct {
	StreamInfoList []streamInfo `json:"StreamInfoList"`
	NextToken      string       `json:"NextToken,omitempty"`
}

func (a *API) listStreams(r *http.Request, in *listStreamsInput) (*listStreamsOutput, error) {
	limit := int64(10000)
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 10000 {
			return nil, invalid("MaxResults %d is not between 1 and 10000", *in.MaxResults)
		}
		limit = *in.MaxResults
	}
	prefix := ""
	if c := in.StreamNameCondition; c != nil {
		if c.ComparisonOperator != "" && c.ComparisonOperator != "BEGINS_WITH" {
			return nil, invalid("ComparisonOperator %q is not BEGINS_WITH", awsjson.Truncate(c.ComparisonOperator, 100))
		}
		prefix = c.ComparisonValue
	}
	after := ""
	if in.NextToken != "" {
		b, err := base64.StdEncoding.DecodeString(in.NextToken)
		if err != nil || !strings.HasPrefix(string(b), "after:") {
			return nil, invalid("NextToken is not one this API gave")
		}
		after = strings.TrimPrefix(string(b), "after:")
	}
	out := &listStreamsOutput{StreamInfoList: []streamInfo{}}
	for _, c := range a.Store.Cameras() { // by name
		if !strings.HasPrefix(c.Name, prefix) || c.Name <= after {
			continue
		}
		if int64(len(out.StreamInfoList)) == limit {
			out.NextToken = base64.StdEncoding.EncodeToString([]byte("after:" + out.StreamInfoList[limit-1].StreamName))
			break
		}
		out.StreamInfoList = append(out.StreamInfoList, a.info(c))
	}
	return out, nil
}

type getDataEndpointInput struct {
	streamRef
	APIName string `json:"APIName"`
}

type getDataEndpointOutput struct {
	DataEndpoint string `json:"DataEndpoint"`
}

func apiName(name string) bool {
	switch name {
	case "PUT_MEDIA", "GET_MEDIA", "LIST_FRAGMENTS", "GET_MEDIA_FOR_FRAGMENT_LIST", "GET_HLS_STREAMING_SESSION_URL",
		"GET_DASH_STREAMING_SESSION_URL", "GET_CLIP", "GET_IMAGES":
		return true
	}
	return false
}

// getDataEndpoint names the gateway itself, as the client reached it: every
// data-plane operation is served here.
func (a *API) getDataEndpoint(r *http.Request, in *getDataEndpointInput) (*getDataEndpointOutput, error) {
	if !apiName(in.APIName) {
		return nil, invalid("APIName %q is not one of PUT_MEDIA, GET_MEDIA, LIST_FRAGMENTS, GET_MEDIA_FOR_FRAGMENT_LIST, "+
			"GET_HLS_STREAMING_SESSION_URL, GET_DASH_STREAMING_SESSION_URL, GET_CLIP, GET_IMAGES", awsjson.Truncate(in.APIName, 100))
	}
	if _, err := a.camera(in.streamRef); err != nil {
		return nil, err
	}
	return &getDataEndpointOutput{DataEndpoint: endpoint(r)}, nil
}

// endpoint is the URL the client reached the gateway at.
func endpoint(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return fmt.Sprintf("%s://%s", scheme, r.Host)
}
