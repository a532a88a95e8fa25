package cli

import (
	"fmt"
	"hash/fnv"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// shard is a --shard K/N selection: the files whose stable hash falls in
// bucket K of N. The zero value selects everything.
type shard struct{ k, n int }

// String formats the shard as K/N.
func (s *shard) String() string {
	if s.n == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.k, s.n)
}

// Set parses K/N with 1 <= K <= N.
func (s *shard) Set(v string) error {
	ks, ns, ok := strings.Cut(v, "/")
	k, err1 := strconv.Atoi(ks)
	n, err2 := strconv.Atoi(ns)
	if !ok || err1 != nil || err2 != nil || n < 1 || k < 1 || k > n {
		return fmt.Errorf("want K/N with 1 <= K <= N, such as 2/4")
	}
	s.k, s.n = k, n
	return nil
}

// Type names the flag's value in help.
func (s *shard) Type() string { return "K/N" }

// pick keeps the paths of this shard. A path's bucket is the FNV-1a hash of
// its slash-separated form, so every machine and every run agrees, and
// shards 1..N partition any list of paths.
func (s *shard) pick(paths []string) []string {
	if s.n <= 1 {
		return paths
	}
	return slices.DeleteFunc(slices.Clone(paths), func(p string) bool {
		h := fnv.New32a()
		h.Write([]byte(filepath.ToSlash(filepath.Clean(p))))
		return int(h.Sum32()%uint32(s.n)) != s.k-1
	})
}
