package firehose

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/tidegate/tidegate/uplink"
	"github.com/tidegate/tidegate/uplink/awsclient"
)

// newClient builds a Firehose client on the standard credential chain. It
// does not touch the network: credentials are resolved on the first call.
func newClient(ctx context.Context, cfg Config) (*firehose.Client, error) {
	awsCfg, err := awsclient.Load(ctx, cfg.region(), cfg.MaxAttempts)
	if err != nil {
		return nil, fmt.Errorf("firehose: %w", err)
	}
	if awsCfg.Region == "" {
		return nil, fmt.Errorf("%w: firehose: region is not set here, in the delivery_stream ARN, nor in the AWS environment (AWS_REGION, profile)", uplink.ErrConfig)
	}
	client := firehose.NewFromConfig(awsCfg, func(o *firehose.Options) {
		o.HTTPClient = awsclient.ProtectBody(o.HTTPClient)
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
	})
	return client, nil
}
