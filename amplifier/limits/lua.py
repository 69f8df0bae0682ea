"""The Lua scripts: every decision about a key is taken inside Redis, against Redis's clock."""

from __future__ import annotations

# KEYS: bucket hash, leases zset, pause string.
# ARGV: wanted, needed, use tokens (0/1), refill per ms, burst, concurrency cap (0: no
#       places), lease ms, holder id prefix.
# Grants g with needed <= g <= wanted tokens and places together (places are the members
# prefix:1..g), or nothing. Returns {g, wait ms, reason}: reason 0 = granted, 1 = paused,
# 2 = no token yet (wait is exact), 3 = places full (wait: until the first lease runs out).
ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local paused = tonumber(redis.call('GET', KEYS[3]) or '0')
if paused > now then return {0, paused - now, 1} end
local want, need = tonumber(ARGV[1]), tonumber(ARGV[2])
local use_tokens, per_ms, burst = ARGV[3] == '1', tonumber(ARGV[4]), tonumber(ARGV[5])
local cap, lease = tonumber(ARGV[6]), tonumber(ARGV[7])
local give, tokens = want, burst
if use_tokens then
  local b = redis.call('HMGET', KEYS[1], 't', 'ts')
  if b[1] then
    tokens = math.min(burst, tonumber(b[1]) + math.max(0, now - tonumber(b[2])) * per_ms)
  end
  if tokens < need then return {0, math.ceil((need - tokens) / per_ms), 2} end
  give = math.min(give, math.floor(tokens))
end
if cap > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  local free = cap - redis.call('ZCARD', KEYS[2])
  if free < need then
    local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
    local hint = lease
    if first[2] then hint = tonumber(first[2]) - now end
    return {0, hint, 3}
  end
  give = math.min(give, free)
  local args = {}
  for i = 1, give do
    args[#args + 1] = now + lease
    args[#args + 1] = ARGV[8] .. ':' .. i
  end
  redis.call('ZADD', KEYS[2], unpack(args))
  redis.call('PEXPIRE', KEYS[2], lease + 1000)
end
if use_tokens then
  tokens = tokens - give
  redis.call('HSET', KEYS[1], 't', string.format('%.6f', tokens), 'ts', now)
  redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / per_ms) + 1000)
end
return {give, 0, 0}
"""

# KEYS: leases zset. ARGV: lease ms, holder ids. Only leases still present are renewed: one
# that ran out may already have been given to someone else.
RENEW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local exp = now + tonumber(ARGV[1])
local args = {}
for i = 2, #ARGV do
  args[#args + 1] = exp
  args[#args + 1] = ARGV[i]
end
local n = redis.call('ZADD', KEYS[1], 'XX', 'CH', unpack(args))
if n > 0 then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) + 1000) end
return n
"""

# KEYS: pause string. ARGV: until (epoch ms). A pause is only ever lengthened: two workers
# hitting the same 429 with different reset times must both be honoured.
PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local u = tonumber(ARGV[1])
if u > cur and u > now then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', u - now)
  return u
end
if cur > now then return cur end
return 0
"""

# KEYS: bucket, leases, pause. ARGV: refill per ms, burst. Read-only.
# Returns {tokens as string, live leases, paused until ms, now ms}.
PEEK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local per_ms, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local tokens = burst
local b = redis.call('HMGET', KEYS[1], 't', 'ts')
if b[1] then
  tokens = math.min(burst, tonumber(b[1]) + math.max(0, now - tonumber(b[2])) * per_ms)
end
local live = redis.call('ZCOUNT', KEYS[2], '(' .. now, '+inf')
local paused = tonumber(redis.call('GET', KEYS[3]) or '0')
if paused <= now then paused = 0 end
return {string.format('%.6f', tokens), live, paused, now}
"""

GRANTED, PAUSED, NO_TOKEN, FULL = 0, 1, 2, 3
MAX_PLACES_PER_CALL = 1000  # Lua's unpack() has a stack limit; no page is this large.
