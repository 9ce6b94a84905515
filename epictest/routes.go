package epictest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// How a request becomes a reply: the fault and log wrapper (ServeHTTP), the
// routes of every Epic host, and the JSON replies and errors of handlers.

// call is one request as the handlers see it.
type call struct {
	r    *http.Request
	form url.Values
	now  time.Time
	svc  service
}

// reply is a handler's answer: an error, or a status and a JSON body (nil
// for none).
type reply struct {
	status int
	body   any
	err    *apiError
}

func ok(body any) reply      { return reply{status: http.StatusOK, body: body} }
func noContent() reply       { return reply{status: http.StatusNoContent} }
func fail(e *apiError) reply { return reply{err: e} }

// originatingService names each service in error bodies.
var originatingService = map[service]string{
	svcAccount: "com.epicgames.account.public",
	svcConnect: "com.epicgames.eos.auth",
	svcEOSAuth: "com.epicgames.account.public",
}

// handle registers a handler that runs with s.mu held.
func (s *Server) handle(pattern string, svc service, h func(*call) reply) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		c := &call{r: r, form: formOf(r), svc: svc}
		s.mu.Lock()
		c.now = s.clock.Now()
		rep := h(c)
		s.mu.Unlock()
		writeReply(w, rep, svc)
	})
}

func writeReply(w http.ResponseWriter, rep reply, svc service) {
	status, body := rep.status, rep.body
	if rep.err != nil {
		for k, vs := range rep.err.header {
			w.Header()[k] = vs
		}
		status, body = rep.err.status, rep.err.json(originatingService[svc])
	}
	if body == nil {
		w.WriteHeader(status)
		return
	}
	b, err := json.Marshal(body)
	if err != nil {
		panic("epictest: encoding a response: " + err.Error())
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// maxBody bounds what the fake reads of a request body, the admin API's
// included.
const maxBody = 1 << 20

type formKey struct{}

// formOf returns the form body parsed by ServeHTTP: empty unless the
// request was application/x-www-form-urlencoded, as Epic reads nothing
// from a JSON body.
func formOf(r *http.Request) url.Values {
	if f, ok := r.Context().Value(formKey{}).(url.Values); ok {
		return f
	}
	return url.Values{}
}

// ServeHTTP records the request, applies any injected fault, and routes it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, AdminPath+"/") {
		s.mux.ServeHTTP(w, r) // the admin API: neither logged nor faulted
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	r.Body = io.NopCloser(bytes.NewReader(body))
	form := url.Values{}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
		if f, err := url.ParseQuery(string(body)); err == nil {
			form = f
		}
	}
	r = r.WithContext(context.WithValue(r.Context(), formKey{}, form))
	i, fault := s.record(r, form)
	sw := &statusWriter{ResponseWriter: w}
	if fault == nil || s.applyFault(sw, r, fault) {
		s.mux.ServeHTTP(sw, r)
	}
	s.setStatus(i, sw.status)
}

// routes registers every endpoint.
func (s *Server) routes() {
	s.handle("POST "+AccountTokenPath, svcAccount, s.accountToken)
	s.handle("POST "+DeviceAuthorizationPath, svcAccount, s.deviceAuthorization)
	s.handle("DELETE "+DeviceAuthorizationPath+"/{userCode}", svcAccount, s.deleteDeviceCode)
	s.handle("GET /account/api/oauth/exchange", svcAccount, s.createExchangeCode)
	s.handle("GET /account/api/oauth/verify", svcAccount, s.verify)
	s.handle("DELETE /account/api/oauth/sessions/kill/{token}", svcAccount, s.killSession)
	s.handle("DELETE /account/api/oauth/sessions/kill", svcAccount, s.killSessions)
	s.handle("POST /account/api/epicid/v1/oauth/tokenInfo", svcAccount, s.accountTokenInfo)
	s.handle("POST /account/api/public/account/{accountId}/deviceAuth", svcAccount, s.createDeviceAuth)
	s.handle("GET /account/api/public/account/{accountId}/{sub}", svcAccount, s.accountSubresource) // deviceAuth, or displayName/{name}
	s.handle("GET /account/api/public/account/{accountId}/deviceAuth/{deviceId}", svcAccount, s.getDeviceAuth)
	s.handle("DELETE /account/api/public/account/{accountId}/deviceAuth/{deviceId}", svcAccount, s.deleteDeviceAuth)
	s.handle("POST "+EOSConnectTokenPath, svcConnect, s.connectToken)
	s.handle("POST "+EOSAuthTokenPath, svcEOSAuth, s.eosAuthToken)
	s.handle("POST /epic/oauth/v2/tokenInfo", svcEOSAuth, s.eosAuthTokenInfo)
	s.handle("POST /epic/oauth/v2/revoke", svcEOSAuth, s.eosAuthRevoke)
	s.handle("GET /epic/oauth/v2/userInfo", svcEOSAuth, s.eosAuthUserInfo)
	s.handle("GET /account/api/public/account", svcAccount, s.getAccounts)
	s.handle("GET /account/api/public/account/{accountId}", svcAccount, s.getAccount)
	s.handle("GET "+EOSConnectJWKSPath, svcConnect, s.jwksHandler(svcConnect))
	s.handle("GET "+EOSAuthJWKSPath, svcEOSAuth, s.jwksHandler(svcEOSAuth))
	s.mux.HandleFunc("GET /activate", s.activatePage)
	s.webRoutes()
	s.adminRoutes()
	s.mux.HandleFunc("/", s.notFound)
}

// notFound answers Epic's JSON 404, or 405 when the path exists for
// another method.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	e := errNotFound()
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "/" && pattern != "" {
			e = errMethodNotAllowed()
			break
		}
	}
	svc := svcAccount
	if !strings.HasPrefix(r.URL.Path, "/account/") {
		svc = svcConnect
	}
	writeReply(w, fail(e), svc)
}

// statusWriter remembers the status written, for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

// WriteHeader records the first status written.
func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200.
func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (to drop it).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
