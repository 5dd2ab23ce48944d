// Package mkv writes stored fragments as Matroska, the shape of the
// Kinesis Video Streams media APIs (GetMedia, GetMediaForFragmentList):
// the fragments' samples as they are (no transcoding), one Cluster per
// fragment, each followed by a Tags element that names the fragment
// (AWS_KINESISVIDEO_FRAGMENT_NUMBER, its server and producer timestamps,
// and what the caller adds), so that a consumer which decodes by itself
// knows where each fragment starts and which it is.
//
// # Layout
//
// EBML header, Segment of unknown size (the stream may go on for as long
// as a camera records), Info, Tracks, then for each fragment a Cluster
// (known size) and its Tags. Fragments whose init segment differs from
// the previous one (new parameter sets, other tracks) start a new EBML
// header and Segment, as Kinesis Video Streams starts one per fragment;
// ffmpeg and the KVS parser library read a stream of such documents.
//
// # Time
//
// The timecode scale is 1 ms. A Cluster's timecode is the fragment's
// server time in milliseconds since the Unix epoch (never before the end
// of the previous fragment, so that the timeline only goes forward), and
// each block's is its presentation time relative to it, worked out from
// the fMP4 decode times and composition offsets of its track. A block
// more than 32 s from its cluster's timecode starts another cluster.
package mkv
