// Package eos gets tokens from EOS Connect, the game-services token endpoint
// of Epic Online Services at api.epicgames.dev.
//
// A Config holds an EOS client's credentials and its deployment id; every
// request sends deployment_id and a fresh random nonce, and a response that
// does not echo the nonce is rejected (ErrNonceMismatch). Two grants exist:
// ClientCredentials, for a trusted game server, and ExternalAuth, which turns
// an identity provider's token (an Epic account token, a Steam ticket ...)
// into a user token for the product user (PUID). ExternalAuthFrom takes that
// token from another token source, so an EOS session can be renewed for as
// long as, say, an epic.Config TokenSource lasts.
//
// EOS Connect tokens last about an hour and have no refresh token; a
// TokenSource runs the grant again when the token expires.
package eos
