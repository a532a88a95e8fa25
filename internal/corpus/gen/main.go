// Command gen writes a benchmark corpus:
//
//	go run ./internal/corpus/gen DIR N
//
// writes N dozen services (each with dev, staging and prod) to
// DIR/svc-NNNN/, and
//
//	go run ./internal/corpus/gen -manifests DIR N
//
// writes N plain Kubernetes manifest files (a Deployment, Service,
// ConfigMap and Ingress each, a known share breaking known rules) to
// DIR/svc-NNNN.yaml: service NNNN written by hand for its prod
// environment, and
//
//	go run ./internal/corpus/gen -realistic DIR N
//
// writes N services of the realistic corpus to DIR/shop-NNNN/ (issue 23).
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"

	"github.com/dozen-dev/dozen/internal/corpus"
)

func main() {
	manifests := flag.Bool("manifests", false, "write plain manifest files instead of service files")
	realistic := flag.Bool("realistic", false, "write services of the realistic corpus")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: go run ./internal/corpus/gen [-manifests | -realistic] DIR N")
	}
	flag.Parse()
	if flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	dir := flag.Arg(0)
	n, err := strconv.Atoi(flag.Arg(1))
	if err != nil || n < 0 {
		fmt.Fprintf(os.Stderr, "gen: N must be a whole number, not %q\n", flag.Arg(1))
		os.Exit(2)
	}
	write := corpus.Write
	if *realistic {
		write = corpus.WriteRealistic
	}
	if *manifests {
		write = corpus.WriteManifests
	}
	if err := write(dir, n); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
