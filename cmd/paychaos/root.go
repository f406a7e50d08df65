package main

import (
	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "paychaos",
		Short: "Prove that a payment integration fails safely",
		Long: `paychaos drives checkouts through a service while its payment provider
misbehaves — outages, latency, lost responses, webhook chaos, attacks — and
proves from the provider's ledger that no money was lost, doubled or
misreported.

Exit codes: 0 every invariant held; 1 findings (a violated invariant or a
regression against the baseline); 2 paychaos could not do its job (bad
input, an inconclusive scenario, an interrupted run, the environment).`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newRunCmd(), newProviderCmd(), newRecheckCmd(), newReportCmd(), newKillMatrixCmd(), newImagesCmd(), newVersionCmd())
	return root
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			cmd.Println("paychaos", version)
		},
	}
}
