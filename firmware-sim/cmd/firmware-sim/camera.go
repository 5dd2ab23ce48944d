package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	ossignal "os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/tidegate/tidegate/firmware-sim/camera"
)

const cameraUsage = `Usage: firmware-sim camera --rtsp-listen ADDR | --push URL [options]

A simulated IP camera: colour bars with a moving box, the frame counter and the
camera's clock burned in, encoded as H.264 (intra pictures of raw samples, then
pictures that send only what changed: valid H.264 that every decoder plays) or
MJPEG, over RTSP with RTCP sender reports carrying the camera's clock.
--rtsp-listen serves it at rtsp://ADDR/<any path>; --push publishes it
(ANNOUNCE/RECORD) to a server such as the gateway, again after each failure.
Runs until --duration is over or SIGINT/SIGTERM.

Options:
`

// cameraCmd runs the camera command and returns the exit code.
func cameraCmd(args []string) int {
	var o camera.Options
	var size, logLevel string
	fs := flag.NewFlagSet("camera", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), cameraUsage)
		fs.PrintDefaults()
	}
	fs.StringVar(&o.Listen, "rtsp-listen", "", "serve RTSP on this address (host:port; port 0 picks one)")
	fs.StringVar(&o.RTPAddress, "rtp-address", "", "with --rtsp-listen: also serve over UDP, RTP on this even port and RTCP on the next")
	fs.StringVar(&o.Push, "push", "", "publish to this rtsp:// URL")
	fs.StringVar(&o.Transport, "transport", "tcp", "with --push: tcp or udp")
	fs.StringVar(&o.Codec, "codec", camera.CodecH264, "h264 or mjpeg")
	fs.Float64Var(&o.FPS, "fps", 25, "frames per second")
	fs.StringVar(&size, "size", "320x240", "picture size WxH (even numbers)")
	fs.IntVar(&o.GOP, "gop", 0, "H.264 pictures from one IDR picture to the next (default: one second)")
	fs.DurationVar(&o.Duration, "duration", 0, "stop after this long (0 = no limit)")
	fs.StringVar(&o.Username, "username", "", "with --rtsp-listen: the username readers must give; with --push: the one to give")
	fs.StringVar(&o.Password, "password", "", "the password that goes with --username (or FIRMWARE_SIM_PASSWORD)")
	fs.StringVar(&o.Auth, "auth", "any", "with --rtsp-listen and --username: basic, digest or any")
	fs.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	whip := fs.String("whip", "", "publish over WHIP to this URL (not built yet)")
	cameras := fs.Int("cameras", 1, "with --push: run this many cameras, each pushing to the URL with {n} replaced by its number (1, 2, …)")
	fs.BoolVar(&o.Preencoded, "preencoded", false, "encode two GOPs once and send them again and again (a load generator's mode)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(os.Stderr, "firmware-sim camera: "+format+"\n", a...)
		return 2
	}
	if fs.NArg() > 0 {
		return fail("unexpected argument %q", fs.Arg(0))
	}
	if *whip != "" {
		return fail("--whip is not built yet: use --push or --rtsp-listen")
	}
	if *cameras < 1 || (*cameras > 1 && (o.Push == "" || !strings.Contains(o.Push, "{n}"))) {
		return fail("--cameras %d: more than one camera pushes to a --push URL holding {n}", *cameras)
	}
	if _, err := fmt.Sscanf(size, "%dx%d", &o.Width, &o.Height); err != nil || fmt.Sprintf("%dx%d", o.Width, o.Height) != size {
		return fail("--size %q is not WxH, as in 640x360", size)
	}
	if o.Password == "" {
		o.Password = os.Getenv("FIRMWARE_SIM_PASSWORD")
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return fail("--log-level: %v", err)
	}
	o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := ossignal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errs := make(chan error, *cameras)
	for n := 1; n <= *cameras; n++ {
		co := o
		co.Push = strings.ReplaceAll(o.Push, "{n}", strconv.Itoa(n))
		go func() { errs <- camera.Run(ctx, co) }()
	}
	code := 0
	for range *cameras {
		if err := <-errs; err != nil {
			fmt.Fprintf(os.Stderr, "firmware-sim camera: %v\n", err)
			code = 1
			stop() // one camera failing stops the others
		}
	}
	return code
}
