package epictest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"slices"
	"time"

	"golang.org/x/oauth2"
)

// EpicHosts are the host names of Epic's services that a client may have
// hard-coded (fact sheet, sections 1, 5.7 and 7): the account service and
// its aliases, EOS (api.epicgames.dev) and the website
// (www.epicgames.com, whose /id pages and /activate the fake stands in
// for). The fake serves all of them from one listener: their paths do not
// overlap, so the path alone picks the service, whatever the Host header or
// TLS server name says.
var EpicHosts = []string{
	"account-public-service-prod.ol.epicgames.com",
	"account-public-service-prod03.ol.epicgames.com",
	"account-public-service-prod-m.ol.epicgames.com",
	"account-public-service-prod.ak.epicgames.com",
	"account-public-service-prod-origin.ak.epicgames.com",
	"weighted-account-service-prod03.ol.epicgames.com",
	"api.epicgames.dev",
	"www.epicgames.com",
	"epicgames.com",
	"accounts.epicgames.com",
	"www.fortnite.com",
}

// HostsTLS is a certificate authority made for one fake and a server
// certificate it signed for EpicHosts, localhost and the loopback
// addresses (and any extra names). Give Config to Options.TLSConfig and
// CAPEM to the clients: a client with Epic's URLs hard-coded then needs
// only to resolve those names to the fake and trust the CA.
type HostsTLS struct {
	// Config serves the certificate; it is the Options.TLSConfig to use.
	Config *tls.Config
	// CAPEM is the CA certificate, PEM-encoded, for the clients to trust.
	CAPEM []byte
	// Pool holds the CA, for a Go client's tls.Config.RootCAs.
	Pool *x509.CertPool
}

// NewHostsTLS generates a CA (valid for a day, its key kept in memory
// only) and a certificate it signs for EpicHosts, "localhost", 127.0.0.1,
// ::1 and extra, host names or IP addresses (such as the name of the
// fake's container in a docker-compose file).
func NewHostsTLS(extra ...string) (*HostsTLS, error) {
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("epictest: generating the CA key: %w", err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "epictest fake Epic CA", Organization: []string{"epictest"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("epictest: creating the CA: %w", err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("epictest: generating the server key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: EpicHosts[0], Organization: []string{"epictest"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	for _, name := range slices.Concat(EpicHosts, []string{"localhost"}, extra) {
		if ip := net.ParseIP(name); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if name != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, name)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("epictest: creating the server certificate: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return &HostsTLS{
		Config: &tls.Config{
			Certificates: []tls.Certificate{{Certificate: [][]byte{der, caDER}, PrivateKey: key}},
			MinVersion:   tls.VersionTLS12,
		},
		CAPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		Pool:  pool,
	}, nil
}

// serial returns a random 128-bit certificate serial number.
func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		panic("epictest: crypto/rand failed: " + err.Error())
	}
	return n
}

// AccountEndpointAt is the account endpoint of a fake at baseURL, such as
// a running 'epictoken fake' (Server.AccountEndpoint for one in the same
// process).
func AccountEndpointAt(baseURL string) oauth2.Endpoint {
	return oauth2.Endpoint{
		AuthURL:       baseURL + "/id/authorize",
		DeviceAuthURL: baseURL + DeviceAuthorizationPath,
		TokenURL:      baseURL + AccountTokenPath,
		AuthStyle:     oauth2.AuthStyleInHeader,
	}
}
