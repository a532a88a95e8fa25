package schema

import (
	"archive/zip"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dozen-dev/dozen/golden"
)

// TestCheckSchedule holds CheckSchedule's verdicts; want is "" for a
// schedule and time zone the API server accepts, else a substring of the
// error.
func TestCheckSchedule(t *testing.T) {
	tests := []struct{ expr, tz, want string }{
		{"0 3 * * *", "", ""},
		{"*/15 * * * *", "", ""},
		{"0 9-17/2 * * MON-FRI", "Europe/Berlin", ""},
		{"30 4 1,15 jan,jul *", "America/Argentina/ComodRivadavia", ""},
		{"0 0 * * 0", "Etc/GMT+5", ""},
		{"0 0 29 2 ?", "UTC", ""},
		{" 0  3 * * * ", "", ""},
		{"*/61 * * * *", "", ""}, // a step past the range keeps its start
		{"@yearly", "", ""}, {"@annually", "", ""}, {"@monthly", "", ""}, {"@weekly", "", ""},
		{"@daily", "", ""}, {"@midnight", "", ""}, {"@hourly", "", ""},
		{"@every 1h30m", "", ""},
		{"99 27 * * *", "", `"99 27 * * *" is not a valid schedule: the minute "99" is outside 0-59; the hour "27" is outside 0-23`},
		{"0 0 0 * *", "", `the day of month "0" is outside 1-31`},
		{"0 0 * 13 *", "", `the month "13" is outside 1-12 or JAN-DEC`},
		{"0 0 * * 7", "", `the day of week "7" is outside 0-6 or SUN-SAT`},
		{"5-3 * * * *", "", `the minute "5-3" is a range that ends before it starts`},
		{"*/0 * * * *", "", `the minute "*/0" has a step of 0`},
		{"0 0 * FOO *", "", `the month "FOO" must be a value (1-12 or JAN-DEC), a range (1-5), a list (1,15) or a step (*/10)`},
		{"1-2-3 * * * *", "", `the minute "1-2-3" must be a value`},
		{"0 3 * *", "", `"0 3 * *" has 4 fields: a schedule has five`},
		{"0 0 3 * * *", "", `has 6 fields`},
		{"", "", "is empty"},
		{"@fortnightly", "", `"@fortnightly" is not a macro: use @yearly`},
		{"@daily ", "", `is not a macro`},
		{"@every 5 mins", "", `"5 mins" is not a duration`},
		{"TZ=UTC 0 3 * * *", "", "sets a time zone in the schedule, which Kubernetes refuses: set timeZone instead"},
		{"CRON_TZ=Europe/Berlin @daily", "", "set timeZone instead"},
		{"0 3 * * *", "Europe/Berln", `timeZone: "Europe/Berln" is not a time zone of the IANA database (did you mean "Europe/Berlin"?)`},
		{"0 3 * * *", "Local", "the controller's own time zone"},
		{"0 3 * * *", "local", "the controller's own time zone"},
		{"0 3 * * *", "utc", `(did you mean "UTC"?)`},
		{"0 3 * * *", "Mars/Olympus_Mons", `"Mars/Olympus_Mons" is not a time zone of the IANA database, such as`},
		{"0 3 * * *", "../etc/localtime", "not a time zone"},
		{"0 3 * * *", "Europe/", "not a time zone"},
		{"0 3 * * *", "America/Argentina_Buenos_Aires_Long", "not a time zone"},
	}
	for _, tt := range tests {
		err := CheckSchedule(tt.expr, tt.tz)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("CheckSchedule(%q, %q) = %v, want nil", tt.expr, tt.tz, err)
		case tt.want != "" && err == nil:
			t.Errorf("CheckSchedule(%q, %q) = nil, want %q", tt.expr, tt.tz, tt.want)
		case tt.want != "" && !strings.Contains(err.Error(), tt.want):
			t.Errorf("CheckSchedule(%q, %q) =\n%v\nwant it to contain %q", tt.expr, tt.tz, err, tt.want)
		}
	}
}

// TestCheckScheduleBothFields reports the schedule and the time zone at once.
func TestCheckScheduleBothFields(t *testing.T) {
	err := CheckSchedule("99 * * * *", "Nowhere")
	if err == nil {
		t.Fatal("no error")
	}
	want := `schedule: "99 * * * *" is not a valid schedule: the minute "99" is outside 0-59` + "\n" +
		`timeZone: "Nowhere" is not a time zone of the IANA database, such as "Europe/Berlin" or "UTC"`
	if err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
}

// TestTimeZoneNames keeps timezones.txt equal to the names in Go's time
// zone database, which time/tzdata embeds; DOZEN_UPDATE=1 rewrites it.
func TestTimeZoneNames(t *testing.T) {
	zr, err := zip.OpenReader(filepath.Join(runtime.GOROOT(), "lib", "time", "zoneinfo.zip"))
	if err != nil {
		t.Skipf("no time zone database in GOROOT: %v", err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	slices.Sort(names)
	golden.Check(t, "timezones.txt", []byte(strings.Join(names, "\n")+"\n"))
	for _, n := range timeZoneNames() {
		if _, err := time.LoadLocation(n); err != nil {
			t.Errorf("time zone %q does not load: %v", n, err)
		}
	}
}
