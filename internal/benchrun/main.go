// Command benchrun is `make bench`: it measures dozen side by side with the
// tools a user would run instead, on this machine in one run, and writes
// the figures into BENCHMARKS.md between its markers.
//
//	go run ./internal/benchrun [-count 5] [-quick] [-peers=false] [-write BENCHMARKS.md]
//
// It builds dozen and the decode floor (internal/corpus/decode), installs
// the peers at pinned versions into .cache/bench/bin (conftest, kube-score,
// cue, kustomize; `go install`, the only network it uses, and only when a
// peer is missing), writes the corpora with internal/corpus, and runs each
// command as a whole process under /usr/bin/time, count times, reporting
// the median wall time, CPU time (user and system) and peak RSS. -quick
// runs tiny corpora once, to keep the harness working (CI runs it).
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

func main() {
	var opts options
	flag.IntVar(&opts.count, "count", 5, "runs of each command; the report shows the median")
	flag.BoolVar(&opts.quick, "quick", false, "tiny corpora, one run each: checks that the harness works")
	flag.BoolVar(&opts.peers, "peers", true, "install and measure the peers (conftest, kube-score, cue, kustomize)")
	flag.StringVar(&opts.write, "write", "", "update this markdown file between its markers (default: print the report)")
	flag.StringVar(&opts.work, "work", ".cache/bench", "working directory for binaries, corpora and outputs; the run's figures are saved there as results.json")
	flag.StringVar(&opts.from, "from", "", "write the report from a results.json saved by an earlier run instead of measuring")
	flag.Parse()
	if flag.NArg() != 0 || opts.count < 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(&opts); err != nil {
		fmt.Fprintln(os.Stderr, "benchrun:", err)
		os.Exit(1)
	}
}

type options struct {
	count        int
	quick, peers bool
	write, work  string
	from         string
}

func run(opts *options) error {
	work, err := filepath.Abs(opts.work)
	if err != nil {
		return err
	}
	var rep *report
	if opts.from != "" {
		b, err := os.ReadFile(opts.from)
		if err != nil {
			return err
		}
		rep = &report{}
		if err := json.Unmarshal(b, rep); err != nil {
			return fmt.Errorf("%s: %v", opts.from, err)
		}
	} else if rep, err = measureAll(opts, work); err != nil {
		return err
	}
	md := rep.markdown()
	if opts.write == "" {
		fmt.Print(md)
		return nil
	}
	old, err := os.ReadFile(opts.write)
	if err != nil {
		return err
	}
	return os.WriteFile(opts.write, splice(old, md), 0o644)
}

// measureAll runs the benchmarks and saves the figures in work/results.json.
func measureAll(opts *options, work string) (*report, error) {
	h := &harness{opts: opts, work: work, bin: filepath.Join(work, "bin")}
	if err := h.setup(); err != nil {
		return nil, err
	}
	sizes := fullSizes
	if opts.quick {
		sizes = quickSizes
	}
	rep := &report{
		Date:         time.Now().UTC().Format("2006-01-02"),
		Machine:      machine(),
		Go:           runtime.Version(),
		Count:        opts.count,
		Quick:        opts.quick,
		Peers:        h.peerVersions(),
		LoadAt:       [2]string{loadavg(), ""},
		LintGrowth:   sizes.lintGrowth,
		RenderGrowth: sizes.renderGrowth,
		EnvGrowth:    sizes.envGrowth,
		EnvServices:  sizes.envServices,
	}
	if err := h.measure(rep, sizes); err != nil {
		return nil, err
	}
	rep.LoadAt[1] = loadavg()
	b, err := json.MarshalIndent(rep, "", "\t")
	if err != nil {
		return nil, err
	}
	return rep, os.WriteFile(filepath.Join(work, "results.json"), b, 0o644)
}

// sizes are the corpora of one run: objects for lint, services for render.
type sizes struct {
	lintObjects    []int // throughput: dozen, conftest, kube-score, floor
	lintGrowth     []int // 1x, 2x, 4x, 8x: dozen and the floor
	renderServices []int // throughput: dozen, and the peer pipeline
	renderGrowth   []int // 1x, 2x, 4x, 8x: dozen
	peerRenderMax  int   // the peer pipeline runs up to this many services
	envServices    int   // realistic services of the growth in environments
	envGrowth      []int // 1x, 2x, 4x, 8x environments of each: dozen
}

// issue4Objects is the size of the corpus issue 4 sets its lint goals on:
// 2,000 files of 4 objects.
const issue4Objects = 8000

var (
	fullSizes = sizes{
		lintObjects:    []int{1000, 5000, issue4Objects, 20000},
		lintGrowth:     []int{2500, 5000, 10000, 20000},
		renderServices: []int{1, 200, 1000},
		renderGrowth:   []int{125, 250, 500, 1000},
		peerRenderMax:  1000,
		envServices:    125,
		envGrowth:      []int{1, 2, 4, 8},
	}
	quickSizes = sizes{
		lintObjects:    []int{40},
		lintGrowth:     []int{20, 40},
		renderServices: []int{1, 4},
		renderGrowth:   []int{2, 4},
		peerRenderMax:  4,
		envServices:    2,
		envGrowth:      []int{1, 2},
	}
)

// machine describes this machine in a line.
func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kb); err == nil {
			mem = fmt.Sprintf(", %.0f GiB", float64(kb)/(1<<20))
		}
	}
	return fmt.Sprintf("%d cores (%s)%s, %s/%s", runtime.NumCPU(), model, mem, runtime.GOOS, runtime.GOARCH)
}

// loadavg returns the 1-, 5- and 15-minute load averages.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// goCmd runs the go command in the repository, with its output shown on
// failure.
func goCmd(env []string, args ...string) error {
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out.Bytes())
	}
	return nil
}
