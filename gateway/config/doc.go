// Package config is Tidegate's configuration: one YAML file, read strictly, in four
// layers — built-in defaults, then the file, then TIDEGATE_* environment variables, then
// validation. [Load] and [Parse] do all four; [Default] is the first alone.
//
// # Strictness
//
// An unknown key, a duplicate key, a value of the wrong type, a bad duration, size or
// enumeration is an error that starts with the file, line and column, so editors jump to
// it:
//
//	tidegate.yaml:7:5: unknown field "shardz" in streams[0]
//	tidegate.yaml:12:16: streams[1].retention: 30s is below the minimum 1m
//
// A problem with a value from the environment starts with the variable instead:
//
//	TIDEGATE_LOG_LEVEL: log.level: "verbose" is not one of debug, info, warn, error
//
// Decoding stops at the first error; validation reports every problem, joined. Each
// is an [*Error]. A key with an empty value (`log:` with its keys commented out) counts
// as absent and keeps its default.
//
// # Environment
//
// These variables override the file; an empty one counts as unset:
//
//	TIDEGATE_DATA_DIR            data_dir
//	TIDEGATE_STORAGE_RESERVE     storage.reserve
//	TIDEGATE_LOG_LEVEL           log.level
//	TIDEGATE_LOG_FORMAT          log.format
//	TIDEGATE_LISTEN_HTTP         listen.http
//	TIDEGATE_TLS_CERT_FILE       listen.tls.cert_file (turns TLS on)
//	TIDEGATE_TLS_KEY_FILE        listen.tls.key_file (turns TLS on)
//	TIDEGATE_KINESIS_REGION      kinesis.region
//	TIDEGATE_KINESIS_ACCOUNT_ID  kinesis.account_id
//	TIDEGATE_ACCESS_KEY_ID       with TIDEGATE_SECRET_ACCESS_KEY, one more entry
//	TIDEGATE_SECRET_ACCESS_KEY   in auth.access_keys (set both or neither)
//	TIDEGATE_TOKEN               one more entry in auth.tokens
//
// # References to the environment
//
// A string value may hold ${NAME}, the variable's value (an unset one is an error at
// that value), or ${NAME:-default}, the default when it is unset or empty; $${ is a
// literal ${. See expand.go. Deliveries parsed by [ParseDelivery] (the REST API) refuse
// references, so a request cannot read the gateway's environment.
//
// # Secrets
//
// Each access key and each token takes its secret from exactly one of secret (inline),
// secret_file (read at load, trailing newline trimmed) or secret_env (a variable). Load
// and Parse read them into [Secret], which prints, logs and marshals as "[REDACTED]".
// Relative paths (data_dir, TLS and secret files) are relative to the working directory.
//
// # Reload
//
// [Changes] compares two configurations and sorts the differences into those the
// running gateway applies (streams, deliveries, log settings, access keys, tokens,
// metrics.public) and those that need a restart (data_dir, listeners, kinesis identity,
// the mqtt section, sensors). Deliveries and sensors are named with the keys that changed.
//
// # Plug-ins
//
// The type:-switched sections — a delivery's to and transform, a subscription's
// decoder, a sensor — decode through the registries of their kind (uplink,
// devices/decode, devices/sensors), which the plug-in packages fill at init; this
// package imports no plug-in. A key the chosen type does not take is reported at its
// own line and column with the keys the type takes.
package config
