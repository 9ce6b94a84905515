package epictest

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/epicoauth/epicoauth/eos"
	"github.com/epicoauth/epicoauth/epic"
)

// Paths of the token endpoints, the same as on Epic's hosts.
const (
	AccountTokenPath        = "/account/api/oauth/token"
	DeviceAuthorizationPath = "/account/api/oauth/deviceAuthorization"
	EOSConnectTokenPath     = "/auth/v1/oauth/token"
	EOSAuthTokenPath        = "/epic/oauth/v2/token"
)

// Options configures NewServer. A nil *Options means all defaults.
type Options struct {
	// Optional. Clock is the server's time: every expiry it computes and
	// reports comes from it. nil means NewClock(DefaultStart).
	Clock *Clock
	// Optional. Clients are registered at start; nil registers one client
	// that may use every grant (see Server.DefaultClient).
	Clients []Client
	// Optional. Deployments are the EOS deployments registered at start;
	// nil registers one (see Server.DefaultDeployment).
	Deployments []Deployment
	// Optional. DeviceCodeLifetime and DeviceCodeInterval are the
	// expires_in and interval of device codes; defaults 600 s and 10 s.
	DeviceCodeLifetime time.Duration
	DeviceCodeInterval time.Duration
	// Optional. TLS serves HTTPS with a self-signed certificate, like
	// httptest.NewTLSServer; requests must then use HTTPClient (or
	// Context). The default is plain HTTP on loopback.
	TLS bool
	// Optional. TLSConfig, with TLS, replaces the self-signed certificate,
	// for example with NewHostsTLS's for Epic's host names.
	TLSConfig *tls.Config
	// Optional. Listener is where the server accepts connections, such as
	// a fixed port; nil means a new loopback port. The server closes it.
	Listener net.Listener
}

// Server is a fake of Epic's token services on a loopback address: the
// account service (account-public-service), EOS Connect and EOS Auth, all on
// one host under their real paths. Tests register clients and accounts, point
// an epic.Config or eos.Config at it, and assert on its request log.
//
// A Server is safe for concurrent use. Close it when done.
type Server struct {
	// URL is the base URL of the server, such as "http://127.0.0.1:41234".
	URL string

	ts    *httptest.Server
	mux   *http.ServeMux
	clock *Clock

	dcLifetime, dcInterval time.Duration
	defaultClient          string
	defaultDeployment      string

	mu             sync.Mutex // guards everything below
	clients        map[string]*Client
	accounts       map[string]*Account
	deployments    map[string]*Deployment
	byAccess       map[string]*session
	byRefresh      map[string]*session
	codes          map[string]*singleUseCode
	deviceCodes    map[string]*deviceCode // by device_code
	userCodes      map[string]*deviceCode // by user_code
	deviceAuths    map[string]*deviceAuth // by deviceAuthKey
	productUsers   map[string]*productUser
	externalLogins map[string]*externalLogin
	autoApprove    *autoApprove
	signingKeys    map[service]signingKey // ID-token keys, by service (jwks.go)
	keysDrawn      int                    // keys taken from keyPool so far

	logMu  sync.Mutex // guards the request log and the fault queue
	log    []Request
	faults []*Fault

	closed    chan struct{} // closed by Close, ending Delay faults
	closeOnce sync.Once
}

// NewServer starts a fake on a loopback port. Close it when done.
func NewServer(opts *Options) *Server {
	if opts == nil {
		opts = &Options{}
	}
	s := &Server{
		clock:          opts.Clock,
		dcLifetime:     opts.DeviceCodeLifetime,
		dcInterval:     opts.DeviceCodeInterval,
		mux:            http.NewServeMux(),
		clients:        map[string]*Client{},
		accounts:       map[string]*Account{},
		deployments:    map[string]*Deployment{},
		byAccess:       map[string]*session{},
		byRefresh:      map[string]*session{},
		codes:          map[string]*singleUseCode{},
		deviceCodes:    map[string]*deviceCode{},
		userCodes:      map[string]*deviceCode{},
		deviceAuths:    map[string]*deviceAuth{},
		productUsers:   map[string]*productUser{},
		externalLogins: map[string]*externalLogin{},
		closed:         make(chan struct{}),
	}
	if s.clock == nil {
		s.clock = NewClock(DefaultStart)
	}
	if s.dcLifetime <= 0 {
		s.dcLifetime = 600 * time.Second
	}
	if s.dcInterval <= 0 {
		s.dcInterval = 10 * time.Second
	}
	clients := opts.Clients
	if clients == nil {
		clients = []Client{{Service: "prod-fn", Internal: true}}
	}
	for i, c := range clients {
		c = s.AddClient(c)
		if i == 0 {
			s.defaultClient = c.ID
		}
	}
	deployments := opts.Deployments
	if deployments == nil {
		deployments = []Deployment{{}}
	}
	for i, d := range deployments {
		d = s.AddDeployment(d)
		if i == 0 {
			s.defaultDeployment = d.ID
		}
	}
	s.routes()
	s.ts = httptest.NewUnstartedServer(s)
	if opts.Listener != nil {
		_ = s.ts.Listener.Close()
		s.ts.Listener = opts.Listener
	}
	if opts.TLS {
		s.ts.TLS = opts.TLSConfig
		s.ts.StartTLS()
	} else {
		s.ts.Start()
	}
	s.URL = s.ts.URL
	return s
}

// Close shuts the server down, ending delayed responses early. It may be
// called more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.ts.Close()
	})
}

// Shutdown stops the server gracefully, as http.Server.Shutdown does: it
// stops accepting connections and waits, until ctx ends, for the requests
// in progress to be answered (a Delay fault runs its course, at most
// MaxDelay). Then it closes the server.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.ts.Config.Shutdown(ctx)
	s.Close()
	return err
}

// Clock returns the server's clock, to advance it in tests.
func (s *Server) Clock() *Clock { return s.clock }

// HTTPClient returns an HTTP client that trusts the server (needed with
// Options.TLS; any client works over plain HTTP).
func (s *Server) HTTPClient() *http.Client { return s.ts.Client() }

// Context returns ctx carrying HTTPClient under oauth2.HTTPClient, the way
// this library and golang.org/x/oauth2 pick their HTTP client.
func (s *Server) Context(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, s.HTTPClient())
}

// DefaultClient returns the first client registered at start: with nil
// Options.Clients, an internal client that may use every grant.
func (s *Server) DefaultClient() Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.mustClient(s.defaultClient)
}

// DefaultDeployment returns the first deployment registered at start.
func (s *Server) DefaultDeployment() Deployment {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.deployments[s.defaultDeployment]
}

// AccountEndpoint is the fake's counterpart of epicoauth.AccountEndpoint.
func (s *Server) AccountEndpoint() oauth2.Endpoint { return AccountEndpointAt(s.URL) }

// EOSConnectEndpoint is the fake's counterpart of
// epicoauth.EOSConnectEndpoint.
func (s *Server) EOSConnectEndpoint() oauth2.Endpoint {
	return oauth2.Endpoint{TokenURL: s.URL + EOSConnectTokenPath, AuthStyle: oauth2.AuthStyleInHeader}
}

// EOSAuthEndpoint is the fake's counterpart of epicoauth.EOSAuthEndpoint.
func (s *Server) EOSAuthEndpoint() oauth2.Endpoint {
	return oauth2.Endpoint{
		AuthURL:   s.URL + "/id/authorize",
		TokenURL:  s.URL + EOSAuthTokenPath,
		AuthStyle: oauth2.AuthStyleInHeader,
	}
}

// EpicConfig returns an epic.Config for client c that talks to the fake
// and shares its clock.
func (s *Server) EpicConfig(c Client) *epic.Config {
	return &epic.Config{ClientID: c.ID, ClientSecret: c.Secret, Endpoint: s.AccountEndpoint(), Clock: s.clock}
}

// EOSConfig returns an eos.Config for client c and a deployment that
// talks to the fake's EOS Connect endpoint and shares its clock.
func (s *Server) EOSConfig(c Client, deploymentID string) *eos.Config {
	return &eos.Config{ClientID: c.ID, ClientSecret: c.Secret, DeploymentID: deploymentID, Endpoint: s.EOSConnectEndpoint(), Clock: s.clock}
}

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

func ok(body any) reply          { return reply{status: http.StatusOK, body: body} }
func noContent() reply           { return reply{status: http.StatusNoContent} }
func fail(e *apiError) reply     { return reply{err: e} }
func (e *apiError) reply() reply { return reply{err: e} }

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

// maxBody bounds what the fake reads of a request body.
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
	writeReply(w, e.reply(), svc)
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
