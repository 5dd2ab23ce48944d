package sparkplug

import "github.com/tidegate/tidegate/devices/decode"

// Config is the sparkplug decoder's configuration: it takes no keys, as
// the protocol describes its payloads itself.
type Config struct{}

// Validate accepts the empty configuration.
func (*Config) Validate() error { return nil }

func init() {
	decode.Register(decode.Type{
		Name:      "sparkplug",
		NewConfig: func() decode.Config { return new(Config) },
		// Each subscription gets a fresh Session; rebirth requests go out
		// through its broker, deaths mark devices offline.
		New: func(_ decode.Config, env decode.Env) (decode.Decoder, error) {
			var rebirth func(Command)
			if env.Reply != nil {
				rebirth = func(c Command) { env.Reply(c.Topic, c.Payload) }
			}
			var status func(string, bool)
			if env.SetOnline != nil {
				status = func(device string, online bool) { env.SetOnline(device, online, "Sparkplug death") }
			}
			return NewDecoder(rebirth, status), nil
		},
	})
}
