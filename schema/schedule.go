package schema

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // time zones resolve on machines without a zoneinfo database, as in the API server

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"github.com/robfig/cron/v3"

	"github.com/dozen-dev/dozen/diag"
)

// CheckSchedule reports whether Kubernetes accepts expr as a CronJob's
// spec.schedule and tz as its spec.timeZone ("" leaves it unset). It
// applies the API server's own rules (k8s.io/kubernetes
// pkg/apis/batch/validation, validateScheduleFormat and validateTimeZone,
// for a CronJob being created): the schedule is parsed by
// github.com/robfig/cron/v3's ParseStandard, the parser the API server and
// the CronJob controller use, and may not name a time zone itself (TZ= or
// CRON_TZ=); the time zone must be an explicit IANA name that
// time.LoadLocation finds. The error is a *diag.Error per refused field,
// with the Path "schedule" or "timeZone" and the reason in the user's terms.
func CheckSchedule(expr, tz string) error {
	var errs []error
	if msg := scheduleProblem(expr); msg != "" {
		errs = append(errs, &diag.Error{Path: "schedule", Msg: msg})
	}
	if tz != "" {
		if msg := timeZoneProblem(tz); msg != "" {
			errs = append(errs, &diag.Error{Path: "timeZone", Msg: msg})
		}
	}
	return errors.Join(errs...)
}

// cronFields are the five fields of a schedule, in order, with the values
// each allows.
var cronFields = []struct{ name, values string }{
	{"minute", "0-59"},
	{"hour", "0-23"},
	{"day of month", "1-31"},
	{"month", "1-12 or JAN-DEC"},
	{"day of week", "0-6 or SUN-SAT"},
}

// macros are the schedules ParseStandard accepts by name besides
// "@every <duration>".
const macros = "@yearly (or @annually), @monthly, @weekly, @daily (or @midnight), @hourly or \"@every <duration>\""

// scheduleProblem returns why the API server refuses expr as a CronJob
// schedule, or "" when it accepts it. The verdict is ParseStandard's (and
// the API server's refusal of TZ); the rest only explains it.
func scheduleProblem(expr string) string {
	q := quoteShort(expr)
	if strings.Contains(expr, "TZ") {
		// The API server refuses any schedule containing "TZ" on create.
		return q + " sets a time zone in the schedule, which Kubernetes refuses: set timeZone instead"
	}
	_, err := cron.ParseStandard(expr)
	if err == nil {
		return ""
	}
	switch {
	case strings.TrimSpace(expr) == "":
		return "is empty: it must be a cron expression of five fields, such as \"0 3 * * *\", or a macro such as \"@daily\""
	case strings.HasPrefix(expr, "@every "):
		return fmt.Sprintf("%s: %s is not a duration such as \"90m\" or \"1h30m\"", q, quoteShort(strings.TrimPrefix(expr, "@every ")))
	case strings.HasPrefix(expr, "@"):
		return q + " is not a macro: use " + macros
	}
	fields := strings.Fields(expr)
	if len(fields) != len(cronFields) {
		return fmt.Sprintf("%s has %d fields: a schedule has five (minute, hour, day of month, month, day of week), such as \"0 3 * * *\", or is a macro such as \"@daily\"", q, len(fields))
	}
	var reasons []string
	for i, f := range fields {
		probe := slices.Repeat([]string{"*"}, len(cronFields))
		probe[i] = f
		if _, err := cron.ParseStandard(strings.Join(probe, " ")); err != nil {
			reasons = append(reasons, fieldProblem(i, f, err))
		}
	}
	if len(reasons) == 0 {
		// Each field parses alone: keep the parser's own words.
		return q + " is not a valid schedule: " + err.Error()
	}
	return q + " is not a valid schedule: " + strings.Join(reasons, "; ")
}

// cronRange matches the range errors of robfig/cron's parser.
var cronRange = regexp.MustCompile(`^(beginning|end) of range \((\d+)\) (below minimum|above maximum)`)

// fieldProblem explains why field i, text f, of a schedule is refused;
// err is the parser's error for it.
func fieldProblem(i int, f string, err error) string {
	c := cronFields[i]
	what := fmt.Sprintf("the %s %s", c.name, quoteShort(f))
	msg := err.Error()
	switch {
	case cronRange.MatchString(msg):
		return fmt.Sprintf("%s is outside %s", what, c.values)
	case strings.HasPrefix(msg, "beginning of range") && strings.Contains(msg, "beyond end of range"):
		return what + " is a range that ends before it starts"
	case strings.HasPrefix(msg, "step of range"):
		return what + " has a step of 0: a step is 1 or more"
	}
	return fmt.Sprintf("%s must be a value (%s), a range (1-5), a list (1,15) or a step (*/10)", what, c.values)
}

// timeZoneParts is the API server's check of each '/'-separated part of a
// time zone name, before it looks the name up.
var timeZoneParts = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z\.\-_0-9+]{1,14}$`) })

// timeZoneProblem returns why the API server refuses tz as a CronJob's
// time zone, or "" when it accepts it.
func timeZoneProblem(tz string) string {
	q := quoteShort(tz)
	if tz == "" {
		return "is empty: name a time zone of the IANA database, such as \"Europe/Berlin\", or leave timeZone unset"
	}
	if strings.EqualFold(tz, "Local") {
		return q + " is the controller's own time zone, which Kubernetes refuses: name a time zone of the IANA database, such as \"Europe/Berlin\", or leave timeZone unset"
	}
	ok := true
	for part := range strings.SplitSeq(tz, "/") {
		if part == "." || part == ".." || strings.HasPrefix(part, "-") || !timeZoneParts().MatchString(part) {
			ok = false
		}
	}
	if ok {
		if _, err := time.LoadLocation(tz); err != nil {
			ok = false
		}
	}
	names := timeZoneNames()
	if ok && !slices.Contains(names, tz) && slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, tz) }) {
		// Found only because the file system ignores case: the API
		// server, on Linux, would not find it.
		ok = false
	}
	if ok {
		return ""
	}
	msg := q + " is not a time zone of the IANA database"
	if best := diag.Closest(tz, names); best != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", best)
	} else {
		msg += ", such as \"Europe/Berlin\" or \"UTC\""
	}
	return msg
}

// timeZoneNames lists the names in Go's time zone database
// (timezones.txt, kept equal to $GOROOT/lib/time/zoneinfo.zip by
// TestTimeZoneNames), for suggestions only: the verdict is
// time.LoadLocation's.
var timeZoneNames = sync.OnceValue(func() []string {
	return strings.Fields(timeZonesTxt)
})

// quoteShort quotes s for a message, cut short so that a long value cannot
// flood the terminal.
func quoteShort(s string) string {
	const max = 60
	if r := []rune(s); len(r) > max {
		s = string(r[:max-3]) + "..."
	}
	return strconv.Quote(s)
}

// checkSchedules checks each schedule's expression and time zone that the
// service file sets as a string with CheckSchedule's rules, at the
// position of the value. Those rules are the authority on these fields:
// errs loses any error CUE reported at a field checked here (CUE's
// pattern only describes a schedule's shape) but a platform's, and gains
// the check's. A value a platform default gave is checked too.
func checkSchedules(file string, user, u cue.Value, errs diag.List) diag.List {
	it, err := u.LookupPath(cue.MakePath(cue.Str("schedules"))).Fields()
	if err != nil {
		return errs
	}
	checked := map[string]bool{}
	var found diag.List
	for it.Next() {
		if !it.Selector().IsString() {
			continue
		}
		name := it.Selector().Unquoted()
		for _, f := range []struct {
			field   string
			problem func(string) string
		}{{"schedule", scheduleProblem}, {"timeZone", timeZoneProblem}} {
			// The service's own value; failing that, the one a platform
			// default gave it.
			v := user.LookupPath(cue.MakePath(cue.Str("schedules"), it.Selector(), cue.Str(f.field)))
			if !v.Exists() {
				v = it.Value().LookupPath(cue.MakePath(cue.Str(f.field)))
			}
			s, err := v.String()
			if err != nil {
				continue // absent, or not a string: CUE's errors say so
			}
			path := "schedules." + name + "." + f.field
			checked[path] = true
			if msg := f.problem(s); msg != "" {
				found = append(found, &diag.Error{Pos: valuePos(file, v), Path: path, Msg: msg})
			}
		}
	}
	if len(checked) == 0 {
		return errs
	}
	// A platform's constraint on the field (timeZone: "UTC") is not the
	// schema's pattern: its error stays.
	errs = slices.DeleteFunc(slices.Clone(errs), func(e *diag.Error) bool { return checked[e.Path] && !strings.Contains(e.Msg, " (set by ") })
	return append(errs, found...).Sort()
}

// valuePos is the position of v's value (not its label) in file, or the
// start of the file.
func valuePos(file string, v cue.Value) diag.Pos {
	p := v.Pos()
	if f, ok := v.Source().(*ast.Field); ok {
		p = f.Value.Pos()
	}
	if p.Filename() != file {
		return diag.Pos{File: file, Line: 1, Col: 1}
	}
	return pos(p)
}
