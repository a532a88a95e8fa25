// Command decode is the floor of the lint benchmarks: it reads manifest
// files and decodes them, with positions, the way dozen lint does before
// it evaluates any rule, and does nothing else.
//
//	go run ./internal/corpus/decode PATH...
//
// PATH is a file or a directory searched recursively for *.yaml, *.yml and
// *.json files. It prints the number of files and objects.
package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/dozen-dev/dozen/manifest"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: go run ./internal/corpus/decode PATH...")
		os.Exit(2)
	}
	files, objects := 0, 0
	for _, arg := range os.Args[1:] {
		err := filepath.WalkDir(arg, func(name string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			switch filepath.Ext(name) {
			case ".yaml", ".yml", ".json":
			default:
				return nil
			}
			data, err := os.ReadFile(name)
			if err != nil {
				return err
			}
			docs, err := manifest.Parse(name, data)
			if err != nil {
				return err
			}
			files++
			objects += len(docs)
			return nil
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "decode:", err)
			os.Exit(1)
		}
	}
	fmt.Printf("%d files, %d objects\n", files, objects)
}
