package epictest

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The website's pages a person would open (www.epicgames.com/id/...): a
// login page that approves an authorization code for an account chosen
// from the registered ones, the JSON redirect endpoint legendary-style
// clients read the code from, and the page a corrective action's
// continuationUrl opens, where the person "acts". They answer HTML (or
// JSON) and are not Epic-exact: they exist so that a program under test
// that opens them gets somewhere useful instead of a 404.

func (s *Server) webRoutes() {
	s.mux.HandleFunc("GET /id/authorize", s.authorizePage)
	s.mux.HandleFunc("GET /id/api/redirect", s.redirectAPI)
	s.mux.HandleFunc("GET /id/continue", s.continuePage)
	s.mux.HandleFunc("POST /id/continue", s.continueDone)
	s.mux.HandleFunc("POST /activate", s.activateApprove)
}

// authorizePage serves GET /id/authorize?client_id=...&redirect_uri=...
// [&state=][&code_challenge=&code_challenge_method=]. Without account_id (a
// parameter only the fake knows) it lists the registered accounts, each a
// link that logs in as it; with account_id it mints an authorization code
// for the client and redirects to redirect_uri with code and state, or,
// without redirect_uri, shows the code.
func (s *Server) authorizePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	clientID := q.Get("client_id")
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.clients[clientID] == nil {
		unknownPage(w, "client", clientID)
		return
	}
	accountID := q.Get("account_id")
	if accountID == "" {
		var b strings.Builder
		b.WriteString("<p>Log in to client " + html.EscapeString(clientID) + " as:</p><ul>")
		for _, a := range s.sortedAccounts() {
			q.Set("account_id", a.ID)
			fmt.Fprintf(&b, `<li><a href="?%s">%s (%s)</a></li>`, html.EscapeString(q.Encode()), html.EscapeString(a.DisplayName), a.ID)
		}
		b.WriteString("</ul>")
		page(w, http.StatusOK, "Sign in", b.String())
		return
	}
	a := s.accounts[accountID]
	if a == nil {
		unknownPage(w, "account", accountID)
		return
	}
	code, err := s.authorizationCode(q, a)
	if err != nil {
		page(w, http.StatusBadRequest, "Refused", "<p>"+html.EscapeString(err.Error())+"</p>")
		return
	}
	target, err := url.Parse(q.Get("redirect_uri"))
	if q.Get("redirect_uri") == "" || err != nil {
		page(w, http.StatusOK, "Authorization code", "<p>Authorization code for "+html.EscapeString(a.DisplayName)+
			": <code id=\"code\">"+code+"</code></p>")
		return
	}
	http.Redirect(w, r, withCode(target, code, q.Get("state")), http.StatusFound)
}

// redirectJSON is the answer of www.epicgames.com/id/api/redirect (fact
// sheet 5.7; fixtures web-id-redirect-*.json).
type redirectJSON struct {
	RedirectURL       string  `json:"redirectUrl"`
	AuthorizationCode *string `json:"authorizationCode"`
	ExchangeCode      *string `json:"exchangeCode"`
	SID               *string `json:"sid"`
}

// redirectAPI serves GET /id/api/redirect?clientId=...&responseType=code
// as for a browser logged in to the account named by accountId (a fake-only
// parameter), or to the only registered account. When no account is
// logged in, or the client is unknown, the code is null, as Epic answers a
// logged-out browser.
func (s *Server) redirectAPI(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	a := s.accounts[q.Get("accountId")]
	if a == nil && q.Get("accountId") == "" && len(s.accounts) == 1 {
		a = s.sortedAccounts()[0]
	}
	body := redirectJSON{RedirectURL: "https://accounts.epicgames.com/fnauth"}
	if cl := s.clients[q.Get("clientId")]; a != nil && cl != nil && q.Get("responseType") == "code" {
		code := s.newCode(singleUseCode{kind: "authorization_code", account: a, creator: cl.ID, consumer: cl.ID})
		body.RedirectURL += "?code=" + code
		body.AuthorizationCode = &code
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
}

// continuePage serves GET /id/continue, where a corrective action's
// continuationUrl leads: it lists the accounts whose logins a corrective
// action blocks, each with a button that completes it.
func (s *Server) continuePage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for _, a := range s.sortedAccounts() {
		if a.CorrectiveAction == "" {
			continue
		}
		fmt.Fprintf(&b, `<form method="post"><input type="hidden" name="account_id" value="%s"><button>%s: complete %s</button></form>`,
			a.ID, html.EscapeString(a.DisplayName), html.EscapeString(a.CorrectiveAction))
	}
	if b.Len() == 0 {
		b.WriteString("<p>No account has a corrective action to complete.</p>")
	}
	page(w, http.StatusOK, "Corrective action", b.String())
}

// continueDone serves POST /id/continue (form account_id): the person has
// done what the corrective action asked, and the account may log in again.
func (s *Server) continueDone(w http.ResponseWriter, r *http.Request) {
	id := formOf(r).Get("account_id")
	s.mu.Lock()
	a := s.accounts[id]
	if a != nil {
		a.CorrectiveAction = ""
	}
	s.mu.Unlock()
	if a == nil {
		unknownPage(w, "account", id)
		return
	}
	page(w, http.StatusOK, "Done", "<p>"+html.EscapeString(a.DisplayName)+" may log in again.</p>")
}

// sortedAccounts lists the registered accounts by display name; s.mu is
// held.
func (s *Server) sortedAccounts() []*Account {
	out := make([]*Account, 0, len(s.accounts))
	for _, a := range s.accounts {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b *Account) int { return strings.Compare(a.DisplayName+a.ID, b.DisplayName+b.ID) })
	return out
}

// page writes a small HTML page; body is HTML, title is text.
func page(w http.ResponseWriter, status int, title, body string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, "<!DOCTYPE html>\n<html><head><title>%s</title></head><body><h1>%s</h1>%s<p><small>epictest</small></p></body></html>\n",
		html.EscapeString(title), html.EscapeString(title), body)
}

// unknownPage answers 400 for an id of a client or account (what) that is
// not registered, quoted and cut short if long.
func unknownPage(w http.ResponseWriter, what, id string) {
	if len(id) > 64 {
		id = id[:64] + "…"
	}
	page(w, http.StatusBadRequest, "Unknown "+what, "<p>No "+what+" "+html.EscapeString(strconv.Quote(id))+" is registered with the fake.</p>")
}
