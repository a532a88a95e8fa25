//go:build e2e

package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dozen-dev/dozen/schema"
)

// TestScheduleVerdicts holds dozen's verdict on a CronJob's schedule and
// time zone (schema.CheckSchedule, what `dozen vet` reports) against the
// API server's: each case is created as a CronJob with server-side
// dry-run, and the server must accept exactly the cases dozen accepts.
func TestScheduleVerdicts(t *testing.T) {
	requireCluster(t)
	ctx := suiteCtx
	const ns = "schedules"
	ensureNamespace(t, ns)
	cases := []struct{ schedule, tz string }{
		{"30 2 * * *", ""},
		{"*/15 * * * *", ""},
		{"0 9-17 * * 1-5", ""},
		{"0 0 1,15 * *", ""},
		{"0 0 * JAN,JUL MON", ""},
		{"@daily", ""},
		{"@hourly", ""},
		{"@yearly", ""},
		{"@midnight", ""},
		{"@every 1h30m", ""},
		{"30 2 * * *", "Europe/Berlin"},
		{"30 2 * * *", "America/Argentina/Buenos_Aires"},
		{"30 2 * * *", "Etc/UTC"},
		{"30 2 * * *", "UTC"},
		{"99 27 * * *", ""},
		{"60 * * * *", ""},
		{"* 24 * * *", ""},
		{"* * 0 * *", ""},
		{"* * 32 * *", ""},
		{"* * * 13 *", ""},
		{"* * * * 8", ""},
		{"*/0 * * * *", ""},
		{"5-1 * * * *", ""},
		{"* * * *", ""},
		{"* * * * * *", ""},
		{"@fortnightly", ""},
		{"TZ=Europe/Berlin 0 1 * * *", ""},
		{"CRON_TZ=UTC 0 1 * * *", ""},
		{"", ""},
		{"30 2 * * *", "Europe/Berln"},
		{"30 2 * * *", "Local"},
		{"30 2 * * *", "europe/berlin"},
		{"30 2 * * *", "Mars/Olympus"},
		{"30 2 * * *", "../etc/passwd"},
	}
	for i, c := range cases {
		name := fmt.Sprintf("%q tz=%q", c.schedule, c.tz)
		spec := map[string]any{
			"schedule": c.schedule,
			"jobTemplate": map[string]any{"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
				"restartPolicy": "Never",
				"containers":    []any{map[string]any{"name": "c", "image": "ghcr.io/acme/c:1.0.0"}},
			}}}},
		}
		if c.tz != "" {
			spec["timeZone"] = c.tz
		}
		cj := object{
			"apiVersion": "batch/v1",
			"kind":       "CronJob",
			"metadata":   map[string]any{"name": fmt.Sprintf("schedule-%d", i), "namespace": ns},
			"spec":       spec,
		}
		_, serverErr := api.create(ctx, cj, ns, true)
		dozenErr := schema.CheckSchedule(c.schedule, c.tz)
		switch {
		case serverErr == nil && dozenErr != nil:
			t.Errorf("%s: the API server accepts it, dozen refuses it: %v", name, dozenErr)
		case serverErr != nil && dozenErr == nil:
			if strings.Contains(serverErr.Error(), "connection") {
				t.Fatalf("%s: %v", name, serverErr)
			}
			t.Errorf("%s: dozen accepts it, the API server refuses it: %v", name, serverErr)
		}
	}
}
