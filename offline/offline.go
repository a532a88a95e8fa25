// Package offline keeps the process off the network: dozen never fetches
// anything, whatever an input file names.
//
// InstallNetwork replaces the process's default HTTP transport and DNS
// resolver with ones that refuse every request; Install also tells any git
// the process runs to refuse every transport. They are the guard behind
// the checks: kustomize fetches an http(s) path in any file field with an
// http.Client of its own (so through http.DefaultTransport) and clones git
// references by running git, and a field or a plugin configuration that no
// check knew of would otherwise reach the network. The command's Main
// calls Install first thing, and package generate InstallNetwork before
// every kustomize build.
package offline

import (
	"context"
	"net"
	"net/http"
	"os"
	"regexp"
	"sync"
)

// Refused is the error of every HTTP request and DNS lookup the process
// attempts once InstallNetwork has run.
type Refused struct {
	// Target is what was asked for: a method and URL ("GET https://..."),
	// or a DNS query.
	Target string
}

func (e *Refused) Error() string {
	return "dozen never fetches anything: refused " + e.Target
}

var network, git sync.Once

// Install takes the whole process offline: InstallNetwork, and every git
// the process starts refuses every transport (kustomize clones by running
// git with the process's environment). The command's Main calls it first
// thing.
func Install() {
	InstallNetwork()
	git.Do(func() {
		// git allows only the listed transports (file, https, ssh, ...)
		// when this is set; "none" names none of them. It changes the
		// environment of every child process, which is why a library (or a
		// test binary that runs git itself) calls InstallNetwork instead.
		os.Setenv("GIT_ALLOW_PROTOCOL", "none")
	})
}

// InstallNetwork makes every later HTTP request through
// http.DefaultTransport and every lookup through net.DefaultResolver fail
// with Refused. It may be called any number of times, from any goroutine;
// the first call installs, and must come before anything else in the
// process uses those defaults concurrently.
func InstallNetwork() {
	network.Do(func() {
		http.DefaultTransport = transport{}
		net.DefaultResolver = &net.Resolver{
			// The Go resolver, so that every lookup goes through Dial (the
			// C library's would not); names in /etc/hosts still resolve.
			PreferGo: true,
			Dial: func(_ context.Context, network, address string) (net.Conn, error) {
				return nil, &Refused{Target: "a DNS query to " + address + " (" + network + ")"}
			},
		}
	})
}

// Installed reports whether InstallNetwork has run and its transport is
// still in place.
func Installed() bool {
	_, ok := http.DefaultTransport.(transport)
	return ok
}

type transport struct{}

func (transport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		r.Body.Close()
	}
	return nil, &Refused{Target: r.Method + " " + r.URL.String()}
}

var refusedURL = regexp.MustCompile(`dozen never fetches anything: refused [A-Z]+ ([^\s"'\\]+)`)

// RefusedURL returns the URL of the first refused HTTP request that msg, an
// error's text, reports. Libraries format the errors they wrap (kustomize
// quotes some with %q), so the text is what survives.
func RefusedURL(msg string) (string, bool) {
	m := refusedURL.FindStringSubmatch(msg)
	if m == nil {
		return "", false
	}
	return m[1], true
}
