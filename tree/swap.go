package tree

import (
	"fmt"
	"os"
)

// swapTwoStep is the fallback where an atomic exchange is not available:
// move dir aside, move stage in, and leave the old tree at stage for
// removal. A crash between the two renames leaves the old tree beside dir
// under a name starting with ".", never a mix of both.
func swapTwoStep(stage, dir string) error {
	old := stage + ".old"
	if err := os.Rename(dir, old); err != nil {
		return fmt.Errorf("write %s: %w", dir, err)
	}
	if err := os.Rename(stage, dir); err != nil {
		_ = os.Rename(old, dir)
		return fmt.Errorf("write %s: %w", dir, err)
	}
	return os.Rename(old, stage)
}
