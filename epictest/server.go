package epictest

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
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
