package epictest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"time"
)

// FaultKind is a kind of failure the server can inject.
type FaultKind int

// The faults a Server can inject.
const (
	// NoFault marks a request served normally.
	NoFault FaultKind = iota
	// Throttle answers 429 with Epic's throttled error (1041), a
	// Retry-After header and the wait in messageVars; with a zero
	// RetryAfter, the capacity form without any retry value.
	Throttle
	// ServerError answers Epic's server_error body with a 5xx status.
	ServerError
	// HTMLPage answers an HTML error page, as a proxy or CDN in front of
	// Epic does.
	HTMLPage
	// Delay waits (on the real clock, at most MaxDelay) and then serves
	// the request normally, to exercise client timeouts.
	Delay
	// DropConnection closes the connection without answering. net/http
	// may silently retry an idempotent request (GET, DELETE) on a fresh
	// connection, which the log then shows as a second request.
	DropConnection
	// HugeBody answers 200 with a JSON-looking body of HugeBodySize bytes,
	// far over any sane token response, to exercise body limits.
	HugeBody
	// MalformedJSON answers 200 with a token response cut off mid-value,
	// as a truncated proxy response looks.
	MalformedJSON
	// Redirect answers Status (default 307 Temporary Redirect) with a
	// Location header of Location, as a misconfigured proxy or a hostile
	// network might. The request is not served.
	Redirect
	// BrokenOptionalFields serves the request normally (a refresh token
	// is rotated, a code spent) and then breaks the optional fields of a
	// 200 answer: refresh_expires and a new unknown field become 1e309
	// (too large for a float64) and expires_in is sent twice, once as a
	// string. access_token and refresh_token are left as they are.
	BrokenOptionalFields
)

// HugeBodySize is the size of a HugeBody fault's body: 10 MiB.
const HugeBodySize = 10 << 20

var faultNames = map[FaultKind]string{
	NoFault: "NoFault", Throttle: "Throttle", ServerError: "ServerError",
	HTMLPage: "HTMLPage", Delay: "Delay", DropConnection: "DropConnection",
	HugeBody: "HugeBody", MalformedJSON: "MalformedJSON", Redirect: "Redirect",
	BrokenOptionalFields: "BrokenOptionalFields",
}

// String returns the constant's name.
func (k FaultKind) String() string {
	if n, ok := faultNames[k]; ok {
		return n
	}
	return "FaultKind(" + strconv.Itoa(int(k)) + ")"
}

// MaxDelay bounds a Delay fault, so a mistaken duration cannot hang a test.
const MaxDelay = 5 * time.Second

// Fault describes a failure to inject into the next requests.
type Fault struct {
	// Kind is the failure.
	Kind FaultKind
	// Optional. Times is how many requests get the fault; 0 means 1.
	Times int
	// Optional. Path limits the fault to requests for this URL path, such
	// as AccountTokenPath; empty means any request.
	Path string
	// Optional. Status is the HTTP status of ServerError (default 500) and
	// HTMLPage (default 502) faults, and of HugeBody and MalformedJSON
	// faults (default 200).
	Status int
	// Optional. RetryAfter is the wait a Throttle fault asks for, in whole
	// seconds; zero sends no retry value at all.
	RetryAfter time.Duration
	// Delay is how long a Delay fault waits, capped at MaxDelay.
	Delay time.Duration
	// Location is where a Redirect fault points.
	Location string
}

// Inject queues a fault for the next matching requests. Faults apply in
// the order they were injected, each to Times requests.
func (s *Server) Inject(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	s.faults = append(s.faults, &f)
}

// ClearFaults drops every fault not yet applied.
func (s *Server) ClearFaults() {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	s.faults = nil
}

// takeFault returns the first queued fault for path; s.logMu is held.
func (s *Server) takeFault(path string) *Fault {
	for i, f := range s.faults {
		if f.Path != "" && f.Path != path {
			continue
		}
		f.Times--
		if f.Times == 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		return f
	}
	return nil
}

// applyFault carries out f and reports whether the request should still be
// served normally.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, f *Fault) bool {
	svc := svcAccount
	if r.URL.Path == EOSConnectTokenPath {
		svc = svcConnect
	}
	switch f.Kind {
	case Throttle:
		writeReply(w, fail(errThrottled(int(f.RetryAfter/time.Second))), svc)
	case ServerError:
		writeReply(w, fail(errServerError(statusOr(f.Status, http.StatusInternalServerError), newHex())), svc)
	case HTMLPage:
		status := statusOr(f.Status, http.StatusBadGateway)
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		text := strconv.Itoa(status) + " " + http.StatusText(status)
		_, _ = w.Write([]byte("<!DOCTYPE html>\n<html><head><title>" + text + "</title></head><body><center><h1>" +
			text + "</h1></center><hr><center>epictest</center></body></html>\n"))
	case Delay:
		t := time.NewTimer(min(f.Delay, MaxDelay))
		defer t.Stop()
		select {
		case <-t.C:
			return true
		case <-r.Context().Done():
		case <-s.closed:
		}
	case DropConnection:
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(http.ErrAbortHandler) // also ends the connection unanswered
		}
		_ = conn.Close()
	case HugeBody:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(statusOr(f.Status, http.StatusOK))
		prefix := `{"access_token":"`
		chunk := bytes.Repeat([]byte("a"), 64<<10)
		_, _ = w.Write([]byte(prefix))
		// A client that stops reading at its limit ends the writes early.
		for n := len(prefix); n < HugeBodySize-2; n += len(chunk) {
			if _, err := w.Write(chunk[:min(len(chunk), HugeBodySize-2-n)]); err != nil {
				return false
			}
		}
		_, _ = w.Write([]byte(`"}`))
	case MalformedJSON:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(statusOr(f.Status, http.StatusOK))
		_, _ = w.Write([]byte(`{"access_token":"` + newHex() + `","expires_in":72`))
	case Redirect:
		w.Header().Set("Location", f.Location)
		w.WriteHeader(statusOr(f.Status, http.StatusTemporaryRedirect))
	case BrokenOptionalFields:
		rec := httptest.NewRecorder()
		s.mux.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if rec.Code == http.StatusOK {
			body = refreshExpires.ReplaceAll(body, []byte(`"refresh_expires":1e309`))
			body = bytes.Replace(body, []byte(`{`), []byte(`{"expires_in":"soon","x_epictest_unknown":1e309,`), 1)
		}
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	default:
		return true
	}
	return false
}

// refreshExpires finds the refresh_expires field of a token response.
var refreshExpires = regexp.MustCompile(`"refresh_expires":\s*\d+`)

func statusOr(status, def int) int {
	if status == 0 {
		return def
	}
	return status
}
