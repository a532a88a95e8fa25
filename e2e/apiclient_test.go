//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// An apiClient speaks the Kubernetes REST API as kubectl does, with nothing
// but net/http: so the tier needs no client library in dozen's go.mod.
// Resource paths come from the server's own discovery documents.
type apiClient struct {
	base  string
	token string
	http  *http.Client

	mu        sync.Mutex
	resources map[string]apiResource // by apiVersion + "/" + kind
}

type apiResource struct {
	groupPath  string // /api/v1 or /apis/GROUP/VERSION
	name       string // plural resource name
	namespaced bool
}

// An object is one Kubernetes object as generic JSON.
type object = map[string]any

// apiError is a response that is not 2xx, with the server's Status message.
type apiError struct {
	Code    int
	Reason  string
	Message string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Code, e.Reason, e.Message)
}

func newAPIClient(c *cluster) *apiClient {
	return &apiClient{base: c.url, token: c.token, http: c.httpClient(), resources: map[string]apiResource{}}
}

func (c *apiClient) do(ctx context.Context, method, path string, query url.Values, contentType string, body []byte) ([]byte, error) {
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		e := &apiError{Code: resp.StatusCode, Message: strings.TrimSpace(string(data))}
		var status struct {
			Reason  string `json:"reason"`
			Message string `json:"message"`
		}
		if json.Unmarshal(data, &status) == nil && status.Message != "" {
			e.Reason, e.Message = status.Reason, status.Message
		}
		return nil, e
	}
	return data, nil
}

// resource maps an apiVersion and kind to its REST resource.
func (c *apiClient) resource(ctx context.Context, apiVersion, kind string) (apiResource, error) {
	key := apiVersion + "/" + kind
	c.mu.Lock()
	r, ok := c.resources[key]
	c.mu.Unlock()
	if ok {
		return r, nil
	}
	groupPath := "/apis/" + apiVersion
	if !strings.Contains(apiVersion, "/") {
		groupPath = "/api/" + apiVersion
	}
	data, err := c.do(ctx, http.MethodGet, groupPath, nil, "", nil)
	if err != nil {
		return apiResource{}, fmt.Errorf("discover %s: %w", apiVersion, err)
	}
	var list struct {
		Resources []struct {
			Name       string `json:"name"`
			Kind       string `json:"kind"`
			Namespaced bool   `json:"namespaced"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(data, &list); err != nil {
		return apiResource{}, fmt.Errorf("discover %s: %w", apiVersion, err)
	}
	for _, res := range list.Resources {
		if res.Kind == kind && !strings.Contains(res.Name, "/") {
			r = apiResource{groupPath: groupPath, name: res.Name, namespaced: res.Namespaced}
			c.mu.Lock()
			c.resources[key] = r
			c.mu.Unlock()
			return r, nil
		}
	}
	return apiResource{}, fmt.Errorf("the server has no kind %s in %s", kind, apiVersion)
}

// paths returns the collection and item paths of obj, in namespace ns when
// the object names none.
func (c *apiClient) paths(ctx context.Context, obj object, ns string) (collection, item string, err error) {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	r, err := c.resource(ctx, apiVersion, kind)
	if err != nil {
		return "", "", err
	}
	collection = r.groupPath
	if r.namespaced {
		if objNS := namespaceOf(obj); objNS != "" {
			ns = objNS
		}
		collection += "/namespaces/" + url.PathEscape(ns)
	}
	collection += "/" + r.name
	return collection, collection + "/" + url.PathEscape(nameOf(obj)), nil
}

// Every write asks for strict field validation: an unknown or duplicate
// field is an error, not a warning.
func writeQuery(dryRun bool, extra ...string) url.Values {
	q := url.Values{"fieldValidation": {"Strict"}}
	if dryRun {
		q.Set("dryRun", "All")
	}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return q
}

// create POSTs obj, as `kubectl create` does.
func (c *apiClient) create(ctx context.Context, obj object, ns string, dryRun bool) (object, error) {
	collection, _, err := c.paths(ctx, obj, ns)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	return decode(c.do(ctx, http.MethodPost, collection, writeQuery(dryRun), "application/json", body))
}

// apply sends obj as a server-side apply patch, as
// `kubectl apply --server-side` does.
func (c *apiClient) apply(ctx context.Context, obj object, ns string, dryRun bool) (object, error) {
	_, item, err := c.paths(ctx, obj, ns)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	q := writeQuery(dryRun, "fieldManager", "dozen-e2e", "force", "true")
	return decode(c.do(ctx, http.MethodPatch, item, q, "application/apply-patch+yaml", body))
}

// remove deletes obj, as `kubectl delete` does, with background
// propagation: without it a Job would wait, with the orphan finalizer, for
// a garbage collector this cluster does not run. An object that is already
// gone is no error.
func (c *apiClient) remove(ctx context.Context, obj object, ns string) error {
	_, item, err := c.paths(ctx, obj, ns)
	if err != nil {
		return err
	}
	q := url.Values{"propagationPolicy": {"Background"}}
	_, err = c.do(ctx, http.MethodDelete, item, q, "", nil)
	var apiErr *apiError
	if errors.As(err, &apiErr) && apiErr.Code == http.StatusNotFound {
		return nil
	}
	return err
}

// get reads obj back from the server.
func (c *apiClient) get(ctx context.Context, obj object, ns string) (object, error) {
	_, item, err := c.paths(ctx, obj, ns)
	if err != nil {
		return nil, err
	}
	return decode(c.do(ctx, http.MethodGet, item, nil, "", nil))
}

// decode keeps numbers as json.Number so that what dozen wrote and what the
// server stored compare exactly.
func decode(data []byte, err error) (object, error) {
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var obj object
	if err := dec.Decode(&obj); err != nil {
		return nil, err
	}
	return obj, nil
}

func nameOf(obj object) string {
	md, _ := obj["metadata"].(map[string]any)
	name, _ := md["name"].(string)
	return name
}

func namespaceOf(obj object) string {
	md, _ := obj["metadata"].(map[string]any)
	ns, _ := md["namespace"].(string)
	return ns
}

func resourceVersionOf(obj object) string {
	md, _ := obj["metadata"].(map[string]any)
	rv, _ := md["resourceVersion"].(string)
	return rv
}

// describe names obj as kind/namespace/name.
func describe(obj object) string {
	kind, _ := obj["kind"].(string)
	if ns := namespaceOf(obj); ns != "" {
		return kind + "/" + ns + "/" + nameOf(obj)
	}
	return kind + "/" + nameOf(obj)
}
