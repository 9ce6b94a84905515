// Package wire is the one place that talks HTTP to Epic: it posts token
// requests, reads bodies up to a limit, turns a token response into an
// *oauth2.Token with its extras, and turns every kind of failure into a
// redacted *epicoauth.Error. Packages epic and eos build on it; nothing above
// it builds requests or parses responses by hand.
package wire
