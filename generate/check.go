package generate

import (
	"fmt"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/k8stype"
)

// Check validates every object the way dozen promises: it decodes into its
// k8s.io/api type with unknown and duplicate fields rejected, its name,
// namespace, labels and annotations pass apimachinery's validation, and
// container requests do not exceed limits. Errors name file (the service
// file or overlay that produced the objects), the object and the field.
func Check(file string, objs []Object) error {
	var errs diag.List
	for _, o := range objs {
		for _, msg := range checkObject(o) {
			errs = append(errs, &diag.Error{Pos: diag.Pos{File: file}, Msg: fmt.Sprintf("%s %q: %s", o.Kind, o.Name, msg)})
		}
	}
	return errs.Err()
}

func checkObject(o Object) []string {
	var msgs []string
	for _, p := range k8stype.ValidateMetaToo(o.Data) {
		msgs = append(msgs, p.Msg)
	}
	return msgs
}
