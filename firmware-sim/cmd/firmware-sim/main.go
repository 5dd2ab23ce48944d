// Command firmware-sim stands in for field hardware. It reaches the gateway only through the
// protocols real firmware uses, so it imports no other Tidegate package.
package main

import (
	"fmt"
	"os"
	"runtime"
)

// Set at link time: -ldflags "-X main.version=... -X main.commit=..." (see the Makefile).
var (
	version = "v0.1.0-dev"
	commit  = "unknown"
)

const usage = `Usage: firmware-sim <command> [options]

Commands:
  sensors   run a fleet of simulated sensor nodes publishing readings over MQTT
  camera    run a simulated IP camera over RTSP (served, or pushed to a server)
  version   print version and build information
  help      print this text

Run 'firmware-sim sensors -h' or 'firmware-sim camera -h' for their options.
`

func main() {
	switch {
	case len(os.Args) >= 2 && os.Args[1] == "version":
		fmt.Printf("firmware-sim %s (commit %s) %s %s/%s\n", version, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	case len(os.Args) >= 2 && os.Args[1] == "sensors":
		os.Exit(sensors(os.Args[2:]))
	case len(os.Args) >= 2 && os.Args[1] == "camera":
		os.Exit(cameraCmd(os.Args[2:]))
	case len(os.Args) == 1 || os.Args[1] == "help" || os.Args[1] == "-h" || os.Args[1] == "--help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "firmware-sim: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
}
