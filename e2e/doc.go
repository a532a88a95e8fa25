// Package e2e is dozen's end-to-end tier: it renders every example and a
// generated corpus with the dozen binary built from this checkout and sends
// each object to a real kube-apiserver backed by a real etcd, both built from
// Go modules (e2e/tools/) and started on loopback ports for the run. It
// also applies release after release of every example, as a GitOps tool
// does, and checks what each release changes on the server and what it
// leaves behind (upgrade_test.go).
//
// The tests carry the build tag e2e, so plain `go test ./...` does not run
// them:
//
//	make e2e    # go test -tags e2e -v -count=1 ./e2e/
//
// The binaries are cached under the user cache directory
// (dozen-e2e/<component>-<version>/) and rebuilt only when a tools module
// changes. When they are not cached and their modules cannot be fetched, the
// tier prints "E2E SKIPPED" and skips every test: it never reports a pass it
// did not earn.
package e2e
