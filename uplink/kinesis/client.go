package kinesis

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/awsclient"
)

// newClient builds a Kinesis client on the standard credential chain. It
// does not touch the network: credentials are resolved on the first call.
func newClient(ctx context.Context, cfg Config) (*kinesis.Client, error) {
	awsCfg, err := awsclient.Load(ctx, cfg.region(), cfg.MaxAttempts)
	if err != nil {
		return nil, fmt.Errorf("kinesis: %w", err)
	}
	if awsCfg.Region == "" {
		return nil, fmt.Errorf("%w: kinesis: region is not set here, in the stream ARN, nor in the AWS environment (AWS_REGION, profile)", uplink.ErrConfig)
	}
	client := kinesis.NewFromConfig(awsCfg, func(o *kinesis.Options) {
		o.HTTPClient = awsclient.ProtectBody(o.HTTPClient)
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
	})
	return client, nil
}
