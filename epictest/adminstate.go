package epictest

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The admin API's faults, clock and request log (see AdminPath).

// adminFaultKinds are the admin API's names of the fault kinds, in the
// order its error message lists them; faultAliases are other names it takes.
var adminFaultKinds = []struct {
	name string
	kind FaultKind
}{
	{"throttle", Throttle}, {"server_error", ServerError}, {"html", HTMLPage}, {"delay", Delay},
	{"drop", DropConnection}, {"huge_body", HugeBody}, {"malformed_json", MalformedJSON},
	{"redirect", Redirect}, {"broken_optional_fields", BrokenOptionalFields},
}

var faultAliases = map[string]FaultKind{"5xx": ServerError, "huge": HugeBody, "malformed": MalformedJSON}

// faultName is the admin API's name of k.
func faultName(k FaultKind) string {
	if k == NoFault {
		return ""
	}
	for _, f := range adminFaultKinds {
		if f.kind == k {
			return f.name
		}
	}
	return k.String()
}

// faultKind is the kind the admin API calls name.
func faultKind(name string) (FaultKind, bool) {
	name = strings.ToLower(name)
	for _, f := range adminFaultKinds {
		if f.name == name {
			return f.kind, true
		}
	}
	k, ok := faultAliases[name]
	return k, ok
}

type faultBody struct {
	Kind       string `json:"kind"`
	Times      int    `json:"times"`
	Path       string `json:"path"`
	Status     int    `json:"status"`
	RetryAfter int    `json:"retryAfter"`
	Delay      string `json:"delay"`
	Location   string `json:"location"`
}

func (s *Server) adminInject(b faultBody) (any, error) {
	kind, ok := faultKind(b.Kind)
	if !ok {
		names := make([]string, len(adminFaultKinds))
		for i, f := range adminFaultKinds {
			names[i] = f.name
		}
		return nil, badRequest("unknown fault kind %q: want one of %s (or 5xx)", b.Kind, strings.Join(names, ", "))
	}
	f := Fault{Kind: kind, Times: b.Times, Path: b.Path, Status: b.Status, RetryAfter: time.Duration(b.RetryAfter) * time.Second, Location: b.Location}
	if kind == Redirect && b.Location == "" {
		return nil, badRequest("a redirect fault needs location, such as \"https://elsewhere.example/token\"")
	}
	if b.Status != 0 && (b.Status < 100 || b.Status > 599) {
		return nil, badRequest("status %d is not an HTTP status", b.Status)
	}
	if b.Delay != "" {
		d, err := time.ParseDuration(b.Delay)
		if err != nil || d < 0 {
			return nil, badRequest("delay %q is not a duration such as \"2s\"", b.Delay)
		}
		f.Delay = d
	}
	if kind == Delay && f.Delay == 0 {
		return nil, badRequest("a delay fault needs delay, such as \"2s\" (at most %s)", MaxDelay)
	}
	s.Inject(f)
	return nil, nil
}

// clockJSON is the clock's state in the admin API.
type clockJSON struct {
	Now    string `json:"now"`
	Frozen bool   `json:"frozen"`
}

func (s *Server) clockState() clockJSON {
	return clockJSON{Now: s.clock.Now().UTC().Format(time.RFC3339Nano), Frozen: s.clock.Frozen()}
}

type clockBody struct {
	Advance string `json:"advance"`
	Set     string `json:"set"`
	Frozen  *bool  `json:"frozen"`
}

func (s *Server) adminClock(b clockBody) (any, error) {
	if b.Advance != "" && b.Set != "" {
		return nil, badRequest("give advance or set, not both")
	}
	var d time.Duration
	var t time.Time
	var err error
	if b.Advance != "" {
		if d, err = time.ParseDuration(b.Advance); err != nil || d < 0 {
			return nil, badRequest("advance %q is not a positive duration such as \"90m\"", b.Advance)
		}
	}
	if b.Set != "" {
		if t, err = time.Parse(time.RFC3339Nano, b.Set); err != nil {
			return nil, badRequest("set %q is not an RFC 3339 time such as \"2025-01-01T12:00:00Z\"", b.Set)
		}
	}
	switch {
	case b.Frozen == nil:
	case *b.Frozen:
		s.clock.Freeze()
	default:
		s.clock.Unfreeze()
	}
	if b.Advance != "" {
		s.clock.Advance(d)
	}
	if b.Set != "" {
		s.clock.Set(t)
	}
	return s.clockState(), nil
}

// requestJSON is a logged request in the admin API. It names the form
// fields but shows no values, and hides the credentials of the
// Authorization header, as Request.String does: the log may be printed.
type requestJSON struct {
	Method     string              `json:"method"`
	Path       string              `json:"path"`
	Query      url.Values          `json:"query,omitempty"`
	GrantType  string              `json:"grantType,omitempty"`
	FormFields []string            `json:"formFields,omitempty"`
	Header     map[string][]string `json:"header,omitempty"`
	Time       string              `json:"time"`
	Status     int                 `json:"status"`
	Fault      string              `json:"fault,omitempty"`
}

func (s *Server) adminRequests(*http.Request) (any, error) {
	out := []requestJSON{}
	for _, r := range s.Requests() {
		j := requestJSON{Method: r.Method, Path: r.Path, GrantType: r.GrantType, FormFields: r.formFields(),
			Header: map[string][]string{}, Time: r.Time.UTC().Format(time.RFC3339Nano), Status: r.Status, Fault: faultName(r.Fault)}
		if len(r.Query) > 0 {
			j.Query = r.Query
		}
		for k, vs := range r.Header {
			if k == "Authorization" || k == "Cookie" {
				vs = []string{redactCredentials(k, vs[0])}
			}
			j.Header[k] = vs
		}
		out = append(out, j)
	}
	return out, nil
}

// redactCredentials hides the credentials of a header value: an
// Authorization value keeps its scheme ("Basic", "bearer") when it has
// one, a Cookie (whose first word is a name=value pair) keeps nothing.
func redactCredentials(header, v string) string {
	if scheme, _, ok := strings.Cut(strings.TrimSpace(v), " "); ok && header == "Authorization" {
		return scheme + " (hidden)"
	}
	return "(hidden)"
}
