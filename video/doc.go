// Package video will ingest cameras (RTSP pull and push, WebRTC/WHIP) into a store of fMP4
// fragments with a gap ledger, and serve the live and recorded read paths and frames for ML.
package video
