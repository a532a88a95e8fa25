package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dozen-dev/dozen/policies"
	"github.com/dozen-dev/dozen/policies/eval"
)

// evalOptions sets the evaluator of setup's engine from DOZEN_EVAL: auto
// (the default), topdown (OPA's interpreter for every lint) or plan (see
// policies/eval). The findings are the same every way.
func (env *Env) evalOptions(setup *policies.Options) error {
	mode, err := eval.ParseMode(env.getenv("DOZEN_EVAL"))
	if err != nil {
		return usageError("DOZEN_EVAL: %v", err)
	}
	setup.Eval = mode
	return nil
}

// debugEval prints on stderr, when DOZEN_DEBUG names eval, one line of how
// eng evaluated its lints: the objects on OPA's plan of the rules and on
// OPA's interpreter, and any fallback from the one to the other.
func (env *Env) debugEval(eng *policies.Engine) {
	if slices.Contains(strings.Split(env.getenv("DOZEN_DEBUG"), ","), "eval") {
		fmt.Fprintf(env.Stderr, "dozen: %v\n", eng.Evaluations())
	}
}

func (env *Env) getenv(key string) string {
	if env.Getenv == nil {
		return ""
	}
	return env.Getenv(key)
}
