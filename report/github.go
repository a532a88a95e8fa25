package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/policies"
)

// GitHub writes GitHub Actions workflow commands, one per finding, which
// the runner turns into annotations on the pull request's files:
//
//	::error file=deploy/web.yaml,line=19,col=9,title=unpinned-image::container "app" … uses the moving tag latest%0ADeployment/shop/web spec.template.spec.containers[0].image%0Afix: …
//
// error findings give ::error, warnings ::warning and info ::notice. The
// message is the finding's, then the object and field, the rendered
// position (for a finding on a service file) and the remediation, on
// lines of their own. Suppressed findings are left out. Properties and
// message are escaped as GitHub's toolkit does (%, CR and LF, and in
// properties also : and ,).
type GitHub struct{}

// Write implements Writer.
func (*GitHub) Write(w io.Writer, res *policies.Result) error {
	bw := bufio.NewWriter(w)
	for _, f := range res.Findings {
		if f.Suppressed != nil {
			continue
		}
		var props []string
		if f.Pos.File != "" {
			props = append(props, "file="+escapeProperty(diag.Printable(f.Pos.File)))
		}
		if f.Pos.Line > 0 {
			props = append(props, fmt.Sprintf("line=%d", f.Pos.Line))
			if f.Pos.Col > 0 {
				props = append(props, fmt.Sprintf("col=%d", f.Pos.Col))
			}
		}
		props = append(props, "title="+escapeProperty(f.RuleID))
		// The runner's log shows what it does not take as a command, and
		// interprets escape sequences: control characters from input are
		// escaped (diag.PrintableLines keeps the line breaks, which
		// escapeData encodes).
		lines := []string{diag.PrintableLines(f.Message)}
		if where := where(&f); where != "" {
			lines = append(lines, diag.Printable(where))
		}
		if f.Related != nil {
			lines = append(lines, "rendered at "+diag.Printable(f.Related.String()))
		}
		if f.Remediation != "" {
			lines = append(lines, "fix: "+diag.Printable(oneLine(f.Remediation)))
		}
		fmt.Fprintf(bw, "::%s %s::%s\n", githubCommand(f.Severity), strings.Join(props, ","), escapeData(strings.Join(lines, "\n")))
	}
	return bw.Flush()
}

func githubCommand(s policies.Severity) string {
	switch s {
	case policies.SeverityError:
		return "error"
	case policies.SeverityWarning:
		return "warning"
	}
	return "notice"
}

// escapeData escapes a workflow command's message.
var escapeData = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace

// escapeProperty escapes a workflow command's property value.
var escapeProperty = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace
