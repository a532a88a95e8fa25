package graph

import (
	"bufio"
	"fmt"
	"github.com/dozen-dev/dozen/diag"
	"io"
	"strconv"
	"strings"
)

// Formats are the output formats, the first the default.
var Formats = []string{"mermaid", "dot"}

// Write writes graphs in format, one of Formats.
func Write(w io.Writer, format string, graphs []*Graph) error {
	switch format {
	case "mermaid":
		return Mermaid(w, graphs)
	case "dot":
		return DOT(w, graphs)
	}
	return fmt.Errorf("unknown format %q (valid formats: %s)", format, strings.Join(Formats, ", "))
}

// label is a node's text: kind and name, and its detail on a second line.
func (n Node) label(br string) string {
	s := n.Kind + " " + n.Name
	if n.Kind == Backing {
		s = n.Name
	}
	if n.Detail != "" {
		s += br + n.Detail
	}
	return s
}

// Mermaid writes a Mermaid flowchart, one subgraph per graph. GitHub and
// GitLab draw it in Markdown inside a ```mermaid block.
func Mermaid(w io.Writer, graphs []*Graph) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "flowchart LR")
	for i, g := range graphs {
		gid := "g" + strconv.Itoa(i+1)
		fmt.Fprintf(bw, "  subgraph %s[%s]\n", gid, mermaidText(g.Title))
		ids := map[string]string{}
		for _, n := range g.Nodes {
			id := gid + "_" + mermaidID(n.Kind+"_"+n.Name)
			ids[n.Key()] = id
			open, close := mermaidShape(n.Kind)
			fmt.Fprintf(bw, "    %s%s%s%s\n", id, open, mermaidText(n.label("<br/>")), close)
		}
		for _, e := range g.Edges {
			arrow := "-->"
			if e.Dashed {
				arrow = "-.->"
			}
			if e.Label != "" {
				arrow += "|" + mermaidText(e.Label) + "|"
			}
			fmt.Fprintf(bw, "    %s %s %s\n", ids[e.From], arrow, ids[e.To])
		}
		fmt.Fprintln(bw, "  end")
	}
	return bw.Flush()
}

func mermaidShape(kind string) (string, string) {
	switch kind {
	case Ingress:
		return "{{", "}}"
	case Service:
		return "([", "])"
	case ConfigMap, Secret:
		return "[/", "/]"
	case Backing:
		return "[(", ")]"
	}
	return "[", "]"
}

// mermaidText quotes text for a Mermaid label.
// Control characters from input are escaped (diag.Printable): the text
// reaches a terminal before it reaches a renderer.
func mermaidText(s string) string {
	return `"` + strings.ReplaceAll(diag.Printable(s), `"`, "#quot;") + `"`
}

// mermaidID makes an identifier of letters, digits and underscores.
func mermaidID(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r - 'A' + 'a'
		}
		return '_'
	}, s)
}

// DOT writes a Graphviz digraph, one cluster per graph.
func DOT(w io.Writer, graphs []*Graph) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "digraph dozen {")
	fmt.Fprintln(bw, "  rankdir=LR;")
	fmt.Fprintln(bw, `  node [fontname="Helvetica", fontsize=11];`)
	fmt.Fprintln(bw, `  edge [fontname="Helvetica", fontsize=9];`)
	for i, g := range graphs {
		prefix := strconv.Itoa(i+1) + "/"
		fmt.Fprintf(bw, "  subgraph cluster_%d {\n", i+1)
		fmt.Fprintf(bw, "    label=%s;\n", strconv.Quote(g.Title))
		for _, n := range g.Nodes {
			fmt.Fprintf(bw, "    %s [label=%s, shape=%s];\n", strconv.Quote(prefix+n.Key()), strconv.Quote(n.label("\n")), dotShape(n.Kind))
		}
		for _, e := range g.Edges {
			var attrs []string
			if e.Label != "" {
				attrs = append(attrs, "label="+strconv.Quote(e.Label))
			}
			if e.Dashed {
				attrs = append(attrs, "style=dashed")
			}
			a := ""
			if len(attrs) > 0 {
				a = " [" + strings.Join(attrs, ", ") + "]"
			}
			fmt.Fprintf(bw, "    %s -> %s%s;\n", strconv.Quote(prefix+e.From), strconv.Quote(prefix+e.To), a)
		}
		fmt.Fprintln(bw, "  }")
	}
	fmt.Fprintln(bw, "}")
	return bw.Flush()
}

func dotShape(kind string) string {
	switch kind {
	case Ingress:
		return "hexagon"
	case Service:
		return "ellipse"
	case ConfigMap, Secret:
		return "note"
	case Backing:
		return "cylinder"
	}
	return "box"
}
