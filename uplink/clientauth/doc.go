// Package clientauth holds what a destination's client needs to prove who
// it is and whom it talks to, kept the same across destinations so an
// operator writes a password or a TLS block the same way for each of them:
// secrets given as a value, a *_file or a *_env, and TLS settings
// (ca_file, cert_file, key_file) turned into a *tls.Config.
//
// Each destination keeps its own configuration types and its error
// messages: it passes its name ("kafka", "nats") to the functions that
// read files, so their errors read as the destination's other
// configuration errors do.
package clientauth
