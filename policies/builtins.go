package policies

import (
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
	"github.com/open-policy-agent/opa/v1/types"

	"github.com/dozen-dev/dozen/k8stype"
)

// invalidBuiltin is dozen.k8s.problems(obj): the ways an object of a kind
// dozen knows is not what the API server accepts (k8stype.Validate), as an
// array of {"path": [...], "msg": "..."}; empty for other kinds. The
// invalid-object rule reports them; a custom policy may call it too. It is
// deterministic and reaches nothing outside its argument, so both
// evaluators run it (OPA looks built-ins up by name: topdown.GetBuiltin).
var invalidBuiltin = &ast.Builtin{
	Name:        "dozen.k8s.problems",
	Description: "The ways a Kubernetes object of a kind dozen knows is not of its k8s.io/api type or would be refused by the API server's validation of names, labels and resources: an array of {path, msg}.",
	Decl: types.NewFunction(
		types.Args(types.Named("object", types.A).Description("a Kubernetes object")),
		types.Named("problems", types.NewArray(nil, types.NewObject(nil, types.NewDynamicProperty(types.S, types.A)))).Description("each problem's JSON path and message"),
	),
}

func init() {
	ast.RegisterBuiltin(invalidBuiltin)
	topdown.RegisterBuiltinFunc(invalidBuiltin.Name, func(bctx topdown.BuiltinContext, args []*ast.Term, iter func(*ast.Term) error) error {
		if ctx := bctx.Context; ctx != nil && ctx.Err() != nil {
			return ctx.Err() // the object's time is up, or the run was stopped
		}
		obj, err := ast.JSON(args[0].Value)
		if err != nil {
			return iter(ast.ArrayTerm())
		}
		m, ok := obj.(map[string]any)
		if !ok {
			return iter(ast.ArrayTerm())
		}
		var out []*ast.Term
		for _, p := range k8stype.Validate(m) {
			path := make([]*ast.Term, len(p.Path))
			for i, seg := range p.Path {
				switch s := seg.(type) {
				case int:
					path[i] = ast.IntNumberTerm(s)
				case string:
					path[i] = ast.StringTerm(s)
				}
			}
			out = append(out, ast.ObjectTerm(
				ast.Item(ast.StringTerm("path"), ast.ArrayTerm(path...)),
				ast.Item(ast.StringTerm("msg"), ast.StringTerm(p.Msg)),
			))
		}
		return iter(ast.ArrayTerm(out...))
	})
}
