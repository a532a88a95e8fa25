// Command dozen renders twelve-factor service descriptions into Kubernetes
// manifests and checks Kubernetes manifests against twelve-factor policies.
package main

import (
	"os"

	"github.com/dozen-dev/dozen/internal/cli"
)

func main() { os.Exit(cli.Main()) }
