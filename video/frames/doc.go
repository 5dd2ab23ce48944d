// Package frames turns a camera's recording into still images for ML
// pipelines: JPEG pictures sampled at any interval (every frame if asked,
// not only every 200 ms as the cloud's GetImages), from a time range or
// live, each tagged with its fragment number, its frame index in the
// fragment, the camera and the gateway timestamps.
//
// # Decoding
//
// MJPEG needs no decoder: a stored frame is a JPEG, sent as it is (or
// scaled in Go when a size is asked). H.264 and H.265 are decoded by an
// ffmpeg subprocess, as Frigate and go2rtc do, when ffmpeg is installed;
// when it is not, Extract fails with ErrNoDecoder before anything is sent,
// saying so. ffmpeg reads the stored fMP4 (init segment and fragments) on
// its stdin and writes the chosen frames as JPEG on its stdout; its
// showinfo filter names the presentation time of each picture it writes,
// which is how each picture is matched to its frame, never by counting.
// With Keyframes only the keyframes are decoded (-skip_frame nokey), a
// fraction of the work.
//
// # Sampling
//
// The instants Start, Start+Every, Start+2·Every … pick the first frame
// presented at or after each (every frame when Every is zero); a frame is
// picked once however many instants fall before it, and an instant with
// no frame before the next one (a gap) picks none.
//
// # Live
//
// With no End, or an End still to come, Extract follows the camera: it
// reads new fragments from the store as they become durable (a
// fragments.Follower), so a consumer that falls behind never slows or
// drops the recording; it only reads further behind, until retention
// deletes what it has not read.
//
// # Life
//
// An Extractor is configuration and may serve any number of calls at
// once. Each Extract runs in its caller's goroutine and, for H.264 and
// H.265, one ffmpeg process at a time with two goroutines feeding and
// reading it; all end before Extract returns.
package frames
