package cli

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/load"
)

// limits bound the input one run reads, so that a hostile or mistaken file
// is refused with a message instead of exhausting memory or time. --limit
// NAME=VALUE raises (or lowers) one.
type limits struct {
	load.Limits     // file sizes, nesting and aliases
	memory      int // the process's resident memory (see memory.go)
	// time bounds each service file's evaluation (its CUE and its
	// kustomize builds) and each object's evaluation by the policies.
	time time.Duration
}

// defaultMemoryLimit is the memory limit unless --limit memory=SIZE sets
// it: many times the peak of the largest run BENCHMARKS.md measures
// (rendering 1,000 services in all their environments), and low enough to
// stop a runaway CUE evaluation before it takes the memory of a CI runner
// or a laptop.
const defaultMemoryLimit = 4 << 30

// defaultTimeLimit is the time limit unless --limit time=DURATION sets
// it. A realistic service of three processes and three environments
// evaluates in about a tenth of a second, a policy evaluates an object in
// well under a millisecond: half a minute never troubles either, even on a
// loaded CI runner, and stops a runaway evaluation (a comprehension of
// 10^10 elements, a policy that loops) long before a CI job's own timeout.
const defaultTimeLimit = 30 * time.Second

func defaultLimits() limits {
	return limits{Limits: load.DefaultLimits(), memory: defaultMemoryLimit, time: defaultTimeLimit}
}

// limitNames are the names --limit takes, in help order.
var limitNames = []string{"file-size", "service-size", "depth", "aliases", "memory", "time"}

// field returns the limit called name, whether it is a size, and the
// largest value it takes: a file is read into one buffer, so file sizes
// stay below 2 GiB; the memory limit has no such bound.
func (l *limits) field(name string) (p *int, size bool, max int) {
	switch name {
	case "file-size":
		return &l.FileSize, true, math.MaxInt32
	case "service-size":
		return &l.ServiceSize, true, math.MaxInt32
	case "depth":
		return &l.Depth, false, math.MaxInt32
	case "aliases":
		return &l.Aliases, false, math.MaxInt32
	case "memory":
		return &l.memory, true, math.MaxInt
	}
	return nil, false, 0
}

// Set reads one NAME=VALUE; sizes take a KiB, MiB or GiB suffix.
func (l *limits) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	if ok && name == "time" {
		d, err := time.ParseDuration(value)
		if err != nil || d <= 0 {
			return fmt.Errorf("time: %q is not a duration (such as 30s, 2m or 1h)", value)
		}
		l.time = d
		return nil
	}
	p, size, max := l.field(name)
	if !ok || p == nil {
		return fmt.Errorf("want NAME=VALUE with NAME one of %s", strings.Join(limitNames, ", "))
	}
	n, err := parseLimit(value, size, max)
	if err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	*p = n
	return nil
}

func (l *limits) String() string {
	var parts []string
	for _, name := range limitNames {
		if name == "time" {
			parts = append(parts, name+"="+l.time.String())
			continue
		}
		p, size, _ := l.field(name)
		v := strconv.Itoa(*p)
		if size {
			v = formatSize(*p)
		}
		parts = append(parts, name+"="+v)
	}
	return strings.Join(parts, ",")
}

func (l *limits) Type() string { return "NAME=VALUE" }

// addLimitFlag adds --limit to a command that reads input, bound to the
// run's limits; its help shows the defaults.
func addLimitFlag(cmd *cobra.Command, env *Env) {
	cmd.Flags().Var(&env.limits, "limit", "raise an input limit (repeatable): file-size (manifests and overlay files), "+
		"service-size (service files), depth (nesting), aliases (nodes YAML aliases may add to a manifest), "+
		"memory (the resident memory of the whole run), time (each service file's evaluation and kustomize builds, each object's policy evaluation)")
}

// parseLimit reads a limit's value: a positive whole number up to max;
// sizes take a KiB, MiB or GiB suffix.
func parseLimit(s string, size bool, max int) (int, error) {
	digits, mult := s, 1
	if size {
		for _, u := range []struct {
			suffix string
			mult   int
		}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}} {
			if n, ok := strings.CutSuffix(s, u.suffix); ok {
				digits, mult = n, u.mult
				break
			}
		}
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n <= 0 || n > max/mult {
		if size {
			return 0, fmt.Errorf("%q is not a size (such as 4MiB, 512KiB or 1000000)", s)
		}
		return 0, fmt.Errorf("%q is not a positive whole number", s)
	}
	return n * mult, nil
}

// formatSize writes a byte count the way --limit reads it: "32MiB",
// "100".
func formatSize(n int) string {
	return strings.Replace(strings.TrimSuffix(diag.Size(n), " bytes"), " ", "", 1)
}
