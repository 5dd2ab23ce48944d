package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tidegate/tidegate/uplink"
)

// CheckDeliveries tells, for each delivery, what building it on this machine would
// refuse besides what Validate checks: a region the AWS environment does not give, a
// file or a variable a destination reads, a transform program that is not on the PATH
// (uplink.EnvironmentChecker). `tidegate config check` reports these with the other
// problems; `tidegate run` does not refuse the configuration for them but reports the
// delivery failed and runs the others. Each problem is an *Error, located at the
// delivery's `to:` or `transform:`.
func (c *Config) CheckDeliveries() error {
	var errs []error
	for i, d := range c.Deliveries {
		s, err := d.Spec()
		if err != nil {
			continue // Validate reports it
		}
		part, err := s.CheckEnvironment()
		if err != nil {
			path := fmt.Sprintf("deliveries[%d].%s", i, part)
			errs = append(errs, c.origins.errorf(path, "%s", strings.TrimPrefix(err.Error(), uplink.ErrConfig.Error()+": ")))
		}
	}
	return errors.Join(sortErrors(errs)...)
}
