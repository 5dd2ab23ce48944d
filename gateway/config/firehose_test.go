package config

import (
	"strings"
	"testing"
)

// The hub's S3 store: its settings are checked and its secret resolved as
// an access key's.
func TestFirehoseS3(t *testing.T) {
	env := []string{"HUB_S3_SECRET=s3cr3t"}
	c, err := Parse("t.yaml", []byte("firehose:\n  s3:\n    endpoint: http://minio:9000\n    region: eu-west-1\n    force_path_style: false\n    credentials: { id: hub, secret_env: HUB_S3_SECRET }\n"), env)
	if err != nil {
		t.Fatal(err)
	}
	s := c.Firehose.S3
	if s.Endpoint != "http://minio:9000" || s.Region != "eu-west-1" || s.ForcePathStyle == nil || *s.ForcePathStyle ||
		s.Credentials == nil || s.Credentials.ID != "hub" || s.Credentials.Secret.Value() != "s3cr3t" {
		t.Errorf("firehose.s3 = %+v", s)
	}
	for yaml, want := range map[string]string{
		"firehose:\n  s3:\n    endpoint: minio:9000\n":                            "t.yaml:3:15: firehose.s3.endpoint:",
		"firehose:\n  s3:\n    region: EU\n":                                      "t.yaml:3:13: firehose.s3.region:",
		"firehose:\n  s3:\n    credentials: { id: hub }\n":                        "firehose.s3.credentials: needs a secret",
		"firehose:\n  s3:\n    credentials: { id: hub, secret_env: UNSET_VAR }\n": "firehose.s3.credentials.secret_env: environment variable UNSET_VAR is not set",
	} {
		_, err := Parse("t.yaml", []byte(yaml), nil)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Count(err.Error(), "firehose.s3") != 1 {
			t.Errorf("%q: %v, want one problem: %s", yaml, err, want)
		}
	}
}
