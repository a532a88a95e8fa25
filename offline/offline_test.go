package offline

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
)

// TestInstall: once installed, an HTTP request, even to a server on this
// machine, and a DNS lookup fail with Refused, and git is told to refuse
// every transport.
func TestInstall(t *testing.T) {
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { requests.Add(1) }))
	defer srv.Close()
	Install()
	Install() // again: a no-op
	if !Installed() {
		t.Fatal("Installed() is false after Install")
	}
	_, err := http.Get(srv.URL + "/x")
	var r *Refused
	if !errors.As(err, &r) || r.Target != "GET "+srv.URL+"/x" {
		t.Errorf("http.Get: %v, want a Refused naming GET %s/x", err, srv.URL)
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("the server received %d requests", n)
	}
	if url, ok := RefusedURL(`accumulating resources: "Get \"` + srv.URL + `/x\": ` + err.Error() + `"`); !ok || url != srv.URL+"/x" {
		t.Errorf("RefusedURL = %q, %v", url, ok)
	}
	if _, ok := RefusedURL("no such file"); ok {
		t.Error("RefusedURL found a URL in a message without one")
	}
	// The resolver keeps only the text of its Dial's error.
	_, err = net.DefaultResolver.LookupHost(context.Background(), "dozen.invalid")
	if err == nil || !strings.Contains(err.Error(), "dozen never fetches anything: refused a DNS query") {
		t.Errorf("LookupHost: %v, want a refusal", err)
	}
	if url, ok := RefusedURL(err.Error()); ok {
		t.Errorf("RefusedURL found %q in a refused lookup", url)
	}
	if got := os.Getenv("GIT_ALLOW_PROTOCOL"); got != "none" {
		t.Errorf("GIT_ALLOW_PROTOCOL = %q, want none", got)
	}
}
