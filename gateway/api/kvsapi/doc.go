// Package kvsapi serves the Kinesis Video Streams API over the video
// store, so that the AWS SDKs' video clients and the AWS CLI work against
// the gateway unchanged: the control plane's DescribeStream, ListStreams
// and GetDataEndpoint (which names the gateway itself), the archived
// media's ListFragments, GetClip, GetImages, GetMediaForFragmentList and
// GetHLSStreamingSessionURL, and the media API's GetMedia. A stream is a
// camera of the store.
//
// # Protocol
//
// restJson1 on the awsjson plumbing: POST /<operationName> with a JSON
// body, SigV4 for the service "kinesisvideo", errors with their type in
// X-Amzn-Errortype and {"message": …} (ResourceNotFoundException is HTTP
// 404, the others 400), timestamps as epoch seconds. GetClip,
// GetMediaForFragmentList and GetMedia answer with the media itself
// (video/mp4, video/webm) and its Content-Type.
//
// # Differences from Kinesis Video Streams
//
// Listed in docs/video.md: GetImages samples at any interval (the cloud
// takes 200 ms at least) and over any range; a stream's CreationTime is
// its oldest fragment; PRODUCER_TIMESTAMP selectors find fragments whose
// camera clock is within a day of the gateway's; GetHLSStreamingSessionURL
// names the gateway's HLS playlist, which needs the gateway's credentials
// like any route; there is no CreateStream (cameras come from the
// configuration or from publishers).
//
// # Life
//
// An API is configuration: set its fields, then serve. It keeps nothing
// between requests; a streaming operation runs in its request's goroutine.
package kvsapi
