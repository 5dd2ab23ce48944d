package config

import (
	"net/url"

	"github.com/tidegate/tidegate/uplink/awsclient"
)

// Firehose is the hub's Firehose API (docs/firehose-api.md).
type Firehose struct {
	// S3 is where the delivery streams with an S3 destination write: the
	// bucket of their BucketARN, in this store.
	S3 HubS3 `yaml:"s3"`
}

// HubS3 is the S3 store of the hub's delivery streams. Left out, they write
// to AWS S3 in the region and with the credentials of the standard AWS
// chain (AWS_REGION, AWS_ACCESS_KEY_ID, the profile, an instance role).
type HubS3 struct {
	// Endpoint is an S3-compatible store's URL (MinIO, Ceph, Garage);
	// empty is AWS.
	Endpoint string `yaml:"endpoint"`
	// Region is the buckets' region; empty takes the standard chain's, or
	// us-east-1 with an Endpoint.
	Region string `yaml:"region"`
	// ForcePathStyle addresses buckets as endpoint/bucket/key; unset, it is
	// on with an Endpoint and off without.
	ForcePathStyle *bool `yaml:"force_path_style"`
	// Credentials are the store's access key (id, and its secret inline,
	// from a file or from a variable, as auth.access_keys take them); nil
	// takes the standard chain's.
	Credentials *AccessKey `yaml:"credentials"`
}

func (c *Config) validateFirehose(p *problems) {
	s := c.Firehose.S3
	if s.Endpoint != "" {
		if u, err := url.Parse(s.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			p.add("firehose.s3.endpoint", "%q is not an http:// or https:// URL with a host", s.Endpoint)
		}
	}
	if s.Region != "" && !awsclient.IsRegion(s.Region) {
		p.add("firehose.s3.region", "%q is not an AWS region name", s.Region)
	}
	if k := s.Credentials; k != nil {
		if k.ID == "" {
			p.add("firehose.s3.credentials.id", "is required")
		}
		if !k.Secret.IsSet() && k.SecretFile == "" && k.SecretEnv == "" {
			p.add("firehose.s3.credentials", "needs a secret (secret, secret_file or secret_env)")
		}
	}
}
