package firehoseapi

import "regexp"

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

// deliveryStreamARN is arn:aws:firehose:{region}:{account}:deliverystream/{name}.
func (a *API) deliveryStreamARN(name string) string {
	return "arn:aws:firehose:" + a.region() + ":" + a.account() + ":deliverystream/" + name
}

// maxNameLength is Firehose's limit on delivery stream names.
const maxNameLength = 64

var (
	// bucketARNRE is Firehose's BucketARN pattern, arn:.*:s3:::[\w\.\-]{1,255}.
	bucketARNRE = regexp.MustCompile(`^arn:[^:]*:s3:::([\w.\-]{1,255})$`)
	// kinesisARNRE names a Kinesis stream in any region and account: the
	// gateway's streams are its own, whatever ARN an edge template carries.
	kinesisARNRE = regexp.MustCompile(`^arn:aws[a-z-]*:kinesis:[a-z0-9-]*:\d{12}:stream/([a-zA-Z0-9_.-]{1,128})$`)
)

// bucketName returns the bucket a BucketARN names, "" if it names none.
func bucketName(arn string) string {
	m := bucketARNRE.FindStringSubmatch(arn)
	if m == nil {
		return ""
	}
	return m[1]
}

// kinesisStreamName returns the stream a KinesisStreamARN names, "" if it
// names none.
func kinesisStreamName(arn string) string {
	m := kinesisARNRE.FindStringSubmatch(arn)
	if m == nil {
		return ""
	}
	return m[1]
}

// validName reports whether s is 1 to n characters of a-z, A-Z, 0-9, _ . -
// and not "." or "..", which the store cannot use as a stream name.
func validName(s string, n int) bool {
	if len(s) == 0 || len(s) > n || s == "." || s == ".." {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '.', c == '-':
		default:
			return false
		}
	}
	return true
}
