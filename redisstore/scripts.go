package redisstore

import "github.com/redis/go-redis/v9"

// The Lua scripts of the Store. Each touches one key (KEYS[1]), so each
// runs on one Redis Cluster slot whatever the key is called. go-redis runs
// them with EVALSHA and falls back to EVAL on a server that has not seen
// them yet.
var (
	// saveScript increases the generation and stores the token, whatever
	// the stored generation was. ARGV: token, format. Returns the new
	// generation.
	saveScript = redis.NewScript(`
local gen = redis.call('HINCRBY', KEYS[1], 'gen', 1)
redis.call('HSET', KEYS[1], 'token', ARGV[1], 'format', ARGV[2])
return gen`)

	// saveIfScript does what saveScript does if the stored generation
	// (0 when there is none) is ARGV[1], and returns -1 otherwise.
	// The generations are compared as decimal text: no float rounding.
	// ARGV: expected generation, token, format.
	saveIfScript = redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], 'gen') or '0'
if cur ~= ARGV[1] then
  return -1
end
local gen = redis.call('HINCRBY', KEYS[1], 'gen', 1)
redis.call('HSET', KEYS[1], 'token', ARGV[2], 'format', ARGV[3])
return gen`)

	// renewScript extends the lease by ARGV[2] milliseconds if its owner
	// is still ARGV[1]. Returns 1 if it did, 0 if the lease expired or has
	// another owner.
	renewScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`)

	// releaseScript deletes the lease if its owner is still ARGV[1], so a
	// holder whose lease expired cannot end the lease of the next holder.
	// Returns 1 if it did, 0 otherwise.
	releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`)
)
