package epictest

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Request is one request the fake received, as recorded in its log.
type Request struct {
	// Method, Path and Query are from the request line.
	Method string
	Path   string
	Query  url.Values
	// Form is the application/x-www-form-urlencoded body, empty for
	// other bodies.
	Form url.Values
	// Header holds the request headers (Authorization included).
	Header http.Header
	// GrantType is Form's grant_type, empty for requests without one.
	GrantType string
	// Time is when the request arrived, on the server's clock.
	Time time.Time
	// Status is the HTTP status of the answer; 0 when the connection was
	// dropped.
	Status int
	// Fault is the fault injected into the answer, NoFault for none.
	Fault FaultKind
}

// String describes the request by method, path, grant type and the names
// of its form fields, never their values: forms carry secrets.
func (r Request) String() string {
	keys := r.formFields()
	var b strings.Builder
	b.WriteString(r.Method + " " + r.Path)
	if r.GrantType != "" {
		b.WriteString(" grant_type=" + r.GrantType)
	}
	if len(keys) > 0 {
		b.WriteString(" form[" + strings.Join(keys, " ") + "]")
	}
	return b.String()
}

// GoString makes %#v as safe as %v.
func (r Request) GoString() string { return r.String() }

// formFields returns the names of the form's fields, sorted: what String
// and the admin API's request log show of a form.
func (r Request) formFields() []string { return slices.Sorted(maps.Keys(r.Form)) }

// record appends r to the log and takes the fault, if any, it gets.
func (s *Server) record(r *http.Request, form url.Values) (int, *Fault) {
	entry := Request{
		Method:    r.Method,
		Path:      r.URL.Path,
		Query:     r.URL.Query(),
		Form:      form,
		Header:    r.Header.Clone(),
		GrantType: form.Get("grant_type"),
		Time:      s.clock.Now(),
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	f := s.takeFault(r.URL.Path)
	if f != nil {
		entry.Fault = f.Kind
	}
	s.log = append(s.log, entry)
	return len(s.log) - 1, f
}

func (s *Server) setStatus(i, status int) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	if i < len(s.log) {
		s.log[i].Status = status
	}
}

// Requests returns a copy of the request log, oldest first.
func (s *Server) Requests() []Request {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return slices.Clone(s.log)
}

// Count returns how many logged requests match key: a grant type (such as
// "refresh_token") matches token requests with that grant_type, and a path
// (such as "/account/api/oauth/verify") matches requests for that path.
// Requests that got an injected fault count too.
func (s *Server) Count(key string) int {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	n := 0
	for _, r := range s.log {
		if r.GrantType == key || r.Path == key {
			n++
		}
	}
	return n
}

// ResetRequests empties the request log.
func (s *Server) ResetRequests() {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	s.log = nil
}
