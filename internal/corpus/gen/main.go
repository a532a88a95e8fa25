// Command gen writes a benchmark corpus of dozen service files:
//
//	go run ./internal/corpus/gen DIR N
//
// writes N services (each with dev, staging and prod) to DIR/svc-NNNN/.
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/dozen-dev/dozen/internal/corpus"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: go run ./internal/corpus/gen DIR N")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[2])
	if err != nil || n < 0 {
		fmt.Fprintf(os.Stderr, "gen: N must be a whole number, not %q\n", os.Args[2])
		os.Exit(2)
	}
	if err := corpus.Write(os.Args[1], n); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
