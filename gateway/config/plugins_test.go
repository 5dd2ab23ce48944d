package config

// The configuration decodes destinations through the registries; the
// tests need the gateway's plug-ins registered as the binary has them.
import _ "github.com/tidegate/tidegate/gateway/plugins"
