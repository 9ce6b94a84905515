package epictest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// AdminPath is the root of the fake's admin API: JSON endpoints that let a
// program in any language steer a running fake over HTTP, as a Go test
// steers it with Server's methods. Epic has no path there, and requests to
// it are neither logged nor given injected faults.
//
//	GET    /_epictest/state                    base URL, clock, clients, accounts, deployments
//	POST   /_epictest/seed                     a Seed; answers it filled in
//	POST   /_epictest/clients                  a SeedClient; answers it filled in
//	POST   /_epictest/accounts                 a SeedAccount; answers it filled in
//	POST   /_epictest/device-auths             {accountId, clientId[, deviceId, secret]}
//	POST   /_epictest/exchange-codes           {accountId, clientId} -> {code}
//	POST   /_epictest/authorization-codes      {accountId, clientId} -> {code}
//	POST   /_epictest/device-codes/approve     {userCode, accountId}
//	POST   /_epictest/device-codes/auto-approve {accountId ("" = off), afterPolls}
//	POST   /_epictest/corrective-action        {accountId, action ("" = clear)}
//	POST   /_epictest/sessions/revoke          {accountId} -> {revoked}
//	POST   /_epictest/keys/rotate              new ID-token signing keys (RotateKeys)
//	POST   /_epictest/faults                   {kind, times, path, status, retryAfter, delay, location}
//	DELETE /_epictest/faults                   drop the faults not yet applied
//	GET    /_epictest/clock                    {now, frozen}
//	POST   /_epictest/clock                    {advance: "90m"} | {set: RFC 3339} and/or {frozen: bool}
//	GET    /_epictest/requests                 the request log (no secrets)
//	DELETE /_epictest/requests                 empty the log
//
// Fault kinds are throttle, server_error (or 5xx), html, delay, drop,
// huge_body, malformed_json, redirect (to location) and
// broken_optional_fields (see FaultKind); retryAfter is in seconds, delay a
// Go duration such as "2s". Errors answer 4xx with {"error": "..."}.
const AdminPath = "/_epictest"

// adminError is an admin API failure: an HTTP status and a message.
type adminError struct {
	status int
	msg    string
}

func (e *adminError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &adminError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return &adminError{http.StatusNotFound, fmt.Sprintf(format, args...)}
}

// adminHandle registers an admin endpoint; h's result is the JSON answer
// (nil for {}).
func (s *Server) adminHandle(method, path string, h func(r *http.Request) (any, error)) {
	s.mux.HandleFunc(method+" "+AdminPath+path, func(w http.ResponseWriter, r *http.Request) {
		out, err := h(r)
		status := http.StatusOK
		if err != nil {
			var ae *adminError
			if !errors.As(err, &ae) {
				ae = &adminError{http.StatusBadRequest, err.Error()}
			}
			status, out = ae.status, map[string]string{"error": ae.msg}
		} else if out == nil {
			out = struct{}{}
		}
		writeJSON(w, status, out)
	})
}

// writeJSON answers status with v as JSON: the admin API's answers, and
// the website's JSON page.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// withBody makes h an admin handler that takes the request's JSON body,
// refusing unknown fields so that a misspelt field is an error rather than
// a silent default. An empty body is T's zero value.
func withBody[T any](h func(T) (any, error)) func(*http.Request) (any, error) {
	return func(r *http.Request) (any, error) {
		var body T
		dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&body); err != nil && !errors.Is(err, io.EOF) {
			return nil, badRequest("reading the JSON body: %v", err)
		}
		return h(body)
	}
}

func (s *Server) adminRoutes() {
	s.adminHandle("GET", "/state", s.adminState)
	s.adminHandle("POST", "/seed", withBody(func(seed Seed) (any, error) { return s.Seed(seed) }))
	s.adminHandle("POST", "/clients", withBody(func(c SeedClient) (any, error) {
		out, err := s.Seed(Seed{Clients: []SeedClient{c}})
		if err != nil {
			return nil, err
		}
		return out.Clients[0], nil
	}))
	s.adminHandle("POST", "/accounts", withBody(func(a SeedAccount) (any, error) {
		out, err := s.Seed(Seed{Accounts: []SeedAccount{a}})
		if err != nil {
			return nil, err
		}
		return out.Accounts[0], nil
	}))
	s.adminHandle("POST", "/device-auths", withBody(func(d SeedDeviceAuth) (any, error) {
		out, err := s.Seed(Seed{DeviceAuths: []SeedDeviceAuth{d}})
		if err != nil {
			return nil, err
		}
		return out.DeviceAuths[0], nil
	}))
	s.adminHandle("POST", "/exchange-codes", s.adminCode(s.NewExchangeCode))
	s.adminHandle("POST", "/authorization-codes", s.adminCode(s.NewAuthorizationCode))
	s.adminHandle("POST", "/device-codes/approve", withBody(s.adminApprove))
	s.adminHandle("POST", "/device-codes/auto-approve", withBody(s.adminAutoApprove))
	s.adminHandle("POST", "/corrective-action", withBody(s.adminCorrectiveAction))
	s.adminHandle("POST", "/sessions/revoke", withBody(s.adminRevoke))
	s.adminHandle("POST", "/keys/rotate", func(*http.Request) (any, error) { s.RotateKeys(); return nil, nil })
	s.adminHandle("POST", "/faults", withBody(s.adminInject))
	s.adminHandle("DELETE", "/faults", func(*http.Request) (any, error) { s.ClearFaults(); return nil, nil })
	s.adminHandle("GET", "/clock", func(*http.Request) (any, error) { return s.clockState(), nil })
	s.adminHandle("POST", "/clock", withBody(s.adminClock))
	s.adminHandle("GET", "/requests", s.adminRequests)
	s.adminHandle("DELETE", "/requests", func(*http.Request) (any, error) { s.ResetRequests(); return nil, nil })
	s.mux.HandleFunc(AdminPath+"/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no admin endpoint " + r.Method + " " + r.URL.Path + " (see epictest.AdminPath)"})
	})
}

// adminState describes the fake: where it is, its time and what is
// registered (with the clients' secrets: they are the fake's own).
func (s *Server) adminState(*http.Request) (any, error) {
	var st struct {
		URL         string           `json:"url"`
		Clock       clockJSON        `json:"clock"`
		Clients     []SeedClient     `json:"clients"`
		Accounts    []SeedAccount    `json:"accounts"`
		Deployments []SeedDeployment `json:"deployments"`
	}
	st.URL, st.Clock = s.URL, s.clockState()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.clients {
		st.Clients = append(st.Clients, SeedClient{ID: c.ID, Secret: c.Secret, Grants: c.Grants, Service: c.Service, Internal: c.Internal})
	}
	for _, a := range s.sortedAccounts() {
		st.Accounts = append(st.Accounts, SeedAccount(*a))
	}
	for _, d := range s.deployments {
		st.Deployments = append(st.Deployments, SeedDeployment(*d))
	}
	return st, nil
}

// accountClient is the body of the code endpoints.
type accountClient struct {
	AccountID string `json:"accountId"`
	ClientID  string `json:"clientId"`
}

// known checks the ids an admin request names before a helper that would
// panic on them runs.
func (s *Server) known(accountID, clientID string) error {
	if !has(s, s.accounts, accountID) {
		return notFound("no account %q is registered", accountID)
	}
	if clientID != "" && !has(s, s.clients, clientID) {
		return notFound("no client %q is registered", clientID)
	}
	return nil
}

// adminCode mints a code with mint (NewExchangeCode or
// NewAuthorizationCode).
func (s *Server) adminCode(mint func(accountID, clientID string) string) func(*http.Request) (any, error) {
	return withBody(func(b accountClient) (any, error) {
		if b.ClientID == "" {
			return nil, badRequest("clientId is required")
		}
		if err := s.known(b.AccountID, b.ClientID); err != nil {
			return nil, err
		}
		code := mint(b.AccountID, b.ClientID)
		return map[string]any{"code": code, "expiresInSeconds": int64(codeLifetime / time.Second)}, nil
	})
}

type approveBody struct {
	UserCode  string `json:"userCode"`
	AccountID string `json:"accountId"`
}

func (s *Server) adminApprove(b approveBody) (any, error) {
	if err := s.known(b.AccountID, ""); err != nil {
		return nil, err
	}
	if err := s.ApproveDeviceCode(b.UserCode, b.AccountID); err != nil {
		return nil, notFound("%v", err)
	}
	return nil, nil
}

type autoApproveBody struct {
	AccountID  string `json:"accountId"`
	AfterPolls int    `json:"afterPolls"`
}

func (s *Server) adminAutoApprove(b autoApproveBody) (any, error) {
	if b.AccountID != "" {
		if err := s.known(b.AccountID, ""); err != nil {
			return nil, err
		}
	}
	s.AutoApproveDeviceCodes(b.AccountID, max(b.AfterPolls, 0))
	return nil, nil
}

type correctiveActionBody struct {
	AccountID string `json:"accountId"`
	Action    string `json:"action"`
}

func (s *Server) adminCorrectiveAction(b correctiveActionBody) (any, error) {
	if err := s.known(b.AccountID, ""); err != nil {
		return nil, err
	}
	s.SetCorrectiveAction(b.AccountID, b.Action)
	return nil, nil
}

type revokeBody struct {
	AccountID string `json:"accountId"`
}

func (s *Server) adminRevoke(b revokeBody) (any, error) {
	if err := s.known(b.AccountID, ""); err != nil {
		return nil, err
	}
	return map[string]int{"revoked": s.RevokeAccountSessions(b.AccountID)}, nil
}
