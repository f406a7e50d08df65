package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/paychaos/paychaos/harness/containers"
)

func newImagesCmd() *cobra.Command {
	var (
		src       string
		rebuild   bool
		ifMissing bool
		buildLog  bool
		sweep     bool
	)
	cmd := &cobra.Command{
		Use:   "images",
		Short: "Build the container images of the containers mode",
		Long: `Build, in the local Docker engine, the images the containers mode runs:
static binaries (CGO_ENABLED=0) copied FROM scratch, with fixed tags:

  paychaos/provider:dev    the fake provider (paychaos provider)
  paychaos/toxiproxy:dev   a Toxiproxy server, the version go.mod pins
  paychaos/shop:dev        the reference shop (examples/shop)

Nothing is pulled. Each binary is compiled from the paychaos checkout that
holds the working directory (or --src); an image is rebuilt only when its
binary changed, so a second run takes seconds.`,
		Example: `  paychaos images
  paychaos images --rebuild --build-log
  paychaos images --sweep`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if rebuild && ifMissing {
				return fmt.Errorf("--rebuild and --if-missing contradict each other")
			}
			ctx := cmd.Context()
			w := cmd.OutOrStdout()
			if err := containers.Available(ctx); err != nil {
				return err
			}
			if sweep {
				removed, err := containers.SweepStale(ctx)
				for _, l := range removed {
					fmt.Fprintf(w, "removed %s, left by a run that died\n", l)
				}
				if err != nil {
					return err
				}
			}
			o := containers.BuildOptions{Source: src, Policy: containers.BuildIfChanged}
			switch {
			case rebuild:
				o.Policy = containers.BuildAlways
			case ifMissing:
				o.Policy = containers.BuildIfMissing
			}
			if buildLog {
				o.BuildLog = cmd.ErrOrStderr()
			}
			start := time.Now()
			built, err := containers.EnsureImages(ctx, o)
			for _, b := range built {
				printBuilt(w, b)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "%d images ready in %s\n", len(built), time.Since(start).Round(100*time.Millisecond))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&src, "src", "", "root of the paychaos checkout to build from (default: the one holding the working directory)")
	fl.BoolVar(&rebuild, "rebuild", false, "rebuild every image, changed or not")
	fl.BoolVar(&ifMissing, "if-missing", false, "build only images that do not exist (no compile for the others)")
	fl.BoolVar(&buildLog, "build-log", false, "show the engine's build output on stderr")
	fl.BoolVar(&sweep, "sweep", false, "first remove containers and networks left by paychaos runs that died")
	return cmd
}

func printBuilt(w io.Writer, b containers.Built) {
	what := "up to date"
	if b.Rebuilt {
		what = "built"
	}
	id := b.ID
	if len(id) > 19 {
		id = id[:19]
	}
	fmt.Fprintf(w, "%-24s %-10s %-19s %s\n", b.Ref, what, id, b.Took.Round(100*time.Millisecond))
}
