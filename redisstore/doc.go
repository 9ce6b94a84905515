// Package redisstore keeps an Epic session in Redis for a fleet of
// processes or replicas that share one Epic account: a bot or backend
// scaled out, a cron job beside a daemon, a launcher and its helper.
//
// A [Store] is an epicoauth.SharedTokenStore. Give it to a token source as
// its store (epicoauth.TokenSourceOptions.Store, for instance through
// epic.Config.StoredTokenSource) in every process, with the same key, and
// the fleet renews the token once per expiry instead of once per process,
// keeps one Epic session instead of one each, and never loses a rotated
// refresh token to a race:
//
//	client := redis.NewClient(&redis.Options{Addr: "redis:6379"})
//	store := redisstore.New(client, "epicoauth:{"+accountID+"}", nil)
//	ts, err := cfg.StoredTokenSource(ctx, deviceAuth, &epicoauth.TokenSourceOptions{Store: store})
//
// # How it works
//
// Before it renews, a token source takes the Store's lease (a Redis key set
// if absent, with a TTL and a random owner value, renewed while held and
// deleted on release by scripts that check the owner), loads the token,
// adopts it if another process already renewed, and otherwise renews and
// saves with a compare-and-set on the token's generation. A process whose
// lease ran out while it was stalled cannot overwrite a newer token: its
// save is refused with epicoauth.ErrStaleGeneration and it adopts what is
// stored. Callers of a still-valid token never wait for the lease.
//
// # Keys
//
// The token is a hash at the key given to [New] with the fields "gen",
// "token" and "format"; it has no TTL. The lease is a string at the key
// plus ":lease" with a TTL of Options.LeaseTTL. Every command and script
// touches one key, so the Store works on Redis Cluster whatever the key is
// called; a hash tag ("{account-1234}") keeps the two keys on one node.
// Single nodes, Sentinel and Cluster work alike through
// redis.UniversalClient.
//
// # Failure model
//
// A process that dies holding the lease delays the others by at most
// Options.LeaseTTL, after which the lease expires. A Redis outage fails the
// Store's calls with an [*Error] (which redacts passwords and never quotes
// a token); a token source keeps serving the token it holds and reports
// the failure. Redis replication is asynchronous: after a failover the new
// primary may lack the last save or the lease, and a holder may then see
// an older generation; the compare-and-set still refuses a save based on a
// generation that is no longer stored, and a refresh token rejected by
// Epic is re-read from the store before anything else is tried.
//
// # Encryption
//
// Tokens in a shared cache are secrets. With Options.AEAD (AES-GCM, say)
// each save seals the token under a random nonce with the key name as
// associated data; a wrong key, a value copied from another key or a value
// planted unencrypted fails to load with an error matching [ErrDecrypt].
// Without it, the token is stored as JSON (epicoauth.MarshalToken).
package redisstore
