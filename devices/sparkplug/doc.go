// Package sparkplug reads Sparkplug B (Eclipse Sparkplug 3.0) as a host
// application: the protobuf payload (read and written by field number with
// protowire, no generated code), the spBv1.0 topic namespace, and the
// per-edge-node session state the protocol depends on.
//
// Sparkplug sends metric names once, in NBIRTH/DBIRTH certificates, and
// numeric aliases afterwards; the message seq (0..255, wrapping) and the
// birth/death sequence number bdSeq let a host notice what it missed. So
// unlike the stateless decoders in devices/decode, a Session remembers each
// edge node and, when it has lost track (a seq gap, an unknown alias, data
// before any birth), answers with an NCMD asking the node to be born again.
package sparkplug
