package report

import (
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/policies"
)

// SARIF writes a SARIF 2.1.0 log with one run, for GitHub code scanning,
// GitLab and other SARIF consumers:
//
//   - tool.driver: name, version, informationUri and one rules entry per
//     rule that ran (id, a PascalCase name unless that is the id itself,
//     short and full description,
//     help text and helpUri, the default level from the configured
//     severity, and the factor and category as properties);
//   - one result per finding, in the order of the findings: ruleId and
//     ruleIndex, level (error, warning, note), the message, the file as a
//     relative URI with forward slashes and the finding's real line and
//     column, the object as a logical location, and, for a finding on a
//     service file, the rendered manifest's position as relatedLocations[0];
//   - a suppressed finding keeps its result, with a suppression: inSource
//     for an annotation on the object, external for an exception in the
//     configuration, and the reason as its justification.
//
// A position without a line gives a location without a region (the whole
// file), never a made-up line 1.
type SARIF struct {
	Version string // the tool version; "" leaves it out
}

// SARIFSchema is the JSON schema the log names.
const SARIFSchema = "https://json.schemastore.org/sarif-2.1.0.json"

// informationURI is where users learn about dozen.
const informationURI = "https://github.com/dozen-dev/dozen"

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID                   string          `json:"id"`
	Name                 string          `json:"name,omitempty"`
	ShortDescription     sarifText       `json:"shortDescription"`
	FullDescription      sarifText       `json:"fullDescription"`
	Help                 *sarifText      `json:"help,omitempty"`
	HelpURI              string          `json:"helpUri,omitempty"`
	DefaultConfiguration sarifRuleConfig `json:"defaultConfiguration"`
	Properties           *sarifRuleProps `json:"properties,omitempty"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	Factor   string   `json:"factor,omitempty"`
	Category string   `json:"category,omitempty"`
	Tags     []string `json:"tags,omitempty"`
}

type sarifResult struct {
	RuleID           string             `json:"ruleId"`
	RuleIndex        *int               `json:"ruleIndex,omitempty"`
	Level            string             `json:"level"`
	Message          sarifText          `json:"message"`
	Locations        []sarifLocation    `json:"locations"`
	RelatedLocations []sarifLocation    `json:"relatedLocations,omitempty"`
	Suppressions     []sarifSuppression `json:"suppressions,omitempty"`
	Properties       *sarifResultProps  `json:"properties,omitempty"`
}

type sarifLocation struct {
	ID               *int                   `json:"id,omitempty"`
	PhysicalLocation *sarifPhysicalLocation `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogicalLocation `json:"logicalLocations,omitempty"`
	Message          *sarifText             `json:"message,omitempty"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
}

type sarifArtifactLocation struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

type sarifLogicalLocation struct {
	Name               string `json:"name,omitempty"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification,omitempty"`
}

type sarifResultProps struct {
	Path string `json:"path"`
}

// Write implements Writer.
func (s *SARIF) Write(w io.Writer, res *policies.Result) error {
	driver := sarifDriver{
		Name:           "dozen",
		Version:        s.Version,
		InformationURI: informationURI,
		Rules:          []sarifRule{},
	}
	index := map[string]int{}
	for i, r := range res.Rules {
		index[r.ID] = i
		driver.Rules = append(driver.Rules, sarifRuleOf(r))
	}
	run := sarifRun{Tool: sarifTool{Driver: driver}, Results: []sarifResult{}}
	findings := res.Findings
	doc := sarifLog{Schema: SARIFSchema, Version: "2.1.0", Runs: []sarifRun{run}}
	return writeStreamed(w, doc, "results", 3, func() (any, bool) {
		if len(findings) == 0 {
			return nil, false
		}
		f := findings[0]
		findings = findings[1:]
		r := sarifResult{
			RuleID:    f.RuleID,
			Level:     sarifLevel(f.Severity),
			Message:   sarifText{Text: f.Message},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysical(f.Pos)}},
		}
		if i, ok := index[f.RuleID]; ok {
			r.RuleIndex = &i
		}
		if f.Object.Kind != "" || f.Object.Name != "" {
			r.Locations[0].LogicalLocations = []sarifLogicalLocation{{
				Name:               f.Object.Name,
				FullyQualifiedName: f.Object.String(),
				Kind:               "resource",
			}}
		}
		if renderedFile(&f) != "" {
			id := 1
			r.RelatedLocations = []sarifLocation{{
				ID:               &id,
				PhysicalLocation: sarifPhysical(*f.Related),
				Message:          &sarifText{Text: "rendered manifest"},
			}}
		}
		if f.Suppressed != nil {
			kind := "external"
			if f.Suppressed.Kind == policies.SuppressedByAnnotation {
				kind = "inSource"
			}
			r.Suppressions = []sarifSuppression{{Kind: kind, Justification: f.Suppressed.Reason}}
		}
		if f.Path != "" {
			r.Properties = &sarifResultProps{Path: f.Path}
		}
		return r, true
	})
}

func sarifRuleOf(r policies.Rule) sarifRule {
	short := oneLine(r.Title)
	if short == "" {
		short = r.ID
	}
	full := paragraphs(r.Description)
	if full == "" {
		full = short
	}
	sr := sarifRule{
		ID:                   r.ID,
		ShortDescription:     sarifText{Text: short},
		FullDescription:      sarifText{Text: full},
		HelpURI:              r.DocsURL,
		DefaultConfiguration: sarifRuleConfig{Level: sarifLevel(r.Severity)},
	}
	// SARIF wants the name to differ from the id (case aside), or to be
	// left out: privileged has no name, unpinned-image is UnpinnedImage.
	if name := pascalCase(r.ID); !strings.EqualFold(name, r.ID) {
		sr.Name = name
	}
	if r.Remediation != "" {
		sr.Help = &sarifText{Text: oneLine(r.Remediation)}
	}
	if r.Factor != "" || r.Category != "" {
		sr.Properties = &sarifRuleProps{Factor: r.Factor, Category: r.Category}
		if r.Category != "" {
			sr.Properties.Tags = []string{r.Category}
		}
	}
	return sr
}

// paragraphs joins the lines of each paragraph of a folded text, keeping
// the blank lines between paragraphs.
func paragraphs(s string) string {
	var ps []string
	for _, p := range strings.Split(s, "\n\n") {
		if p = oneLine(p); p != "" {
			ps = append(ps, p)
		}
	}
	return strings.Join(ps, "\n\n")
}

// sarifLevel maps a severity to a SARIF level.
func sarifLevel(s policies.Severity) string {
	switch s {
	case policies.SeverityError:
		return "error"
	case policies.SeverityWarning:
		return "warning"
	}
	return "note"
}

// sarifPhysical locates pos: the file as a URI and, when the line is known,
// the line and column.
func sarifPhysical(pos diag.Pos) *sarifPhysicalLocation {
	l := &sarifPhysicalLocation{ArtifactLocation: sarifArtifactLocation{URI: fileURI(pos.File)}}
	if pos.Line > 0 {
		l.Region = &sarifRegion{StartLine: pos.Line, StartColumn: pos.Col}
	}
	return l
}

// fileURI turns a file name into a URI reference: relative names stay
// relative (forward slashes, escaped where a URI needs it, as in
// "%3Cstdin%3E"); absolute ones become file URIs.
func fileURI(name string) string {
	p := filepath.ToSlash(name)
	if filepath.IsAbs(name) {
		if !strings.HasPrefix(p, "/") {
			p = "/" + p // C:/x
		}
		return (&url.URL{Scheme: "file", Path: p}).String()
	}
	return (&url.URL{Path: p}).String()
}

// pascalCase turns a rule id into the "friendly name" SARIF asks for:
// unpinned-image becomes UnpinnedImage, main.deny MainDeny.
func pascalCase(id string) string {
	var b strings.Builder
	up := true
	for _, r := range id {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			up = true
			continue
		}
		if up {
			r = unicode.ToUpper(r)
			up = false
		}
		b.WriteRune(r)
	}
	return b.String()
}
