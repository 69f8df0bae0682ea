"""The Lua scripts: every decision about a key is taken inside Redis, against Redis's clock."""

from __future__ import annotations

# Every token grant is numbered (the window hash's `seq`), so that an answer announcing
# "remaining R" can be charged with the grants made after the one it answered (still on their
# way, or not yet sent): R - (seq - obs) may still leave. The window hash (KEYS[4]) holds what
# the platform last announced for the key's shared window: L (limit), R (remaining), Z (no call
# before, epoch ms), W (the window's length as far as seen), obs (the seq the announcement is
# charged from), Zr (the last announced reset; Z differs once a window is only estimated), ex
# (this window ran out) and paced (the window before ran out: calls leave at L per W, not all
# at once at the reset; pt/pts are that pace's bucket, one second's share deep). A window that
# does not run out ends the pacing. Forgotten two quiet windows later.
_WINDOW_GATE = """
local win_L, win_R, win_Z, win_W, win_obs, win_seq, win_paced, win_pt, win_rate
if use_tokens then
  local h = redis.call('HMGET', KEYS[4], 'L', 'R', 'Z', 'W', 'obs', 'seq', 'paced', 'pt', 'pts')
  win_seq = tonumber(h[6] or '0')
  if h[1] then
    win_L, win_R, win_Z, win_W = tonumber(h[1]), tonumber(h[2]), tonumber(h[3]), tonumber(h[4])
    win_obs, win_paced = tonumber(h[5]), h[7] == '1'
    if now >= win_Z then
      -- the announced window is over: the next one holds the same budget until answers tell,
      -- and is paced if the one before ran out (a backlog waits), else not
      win_R, win_obs, win_Z = win_L, win_seq, now + win_W
      win_paced = redis.call('HGET', KEYS[4], 'ex') == '1'
      redis.call('HSET', KEYS[4], 'R', win_R, 'obs', win_obs, 'Z', win_Z, 'ex', 0,
        'paced', win_paced and 1 or 0)
      redis.call('PEXPIRE', KEYS[4], 3 * win_W)
    end
    local avail = win_R - (win_seq - win_obs)
    if avail < need then
      redis.call('HSET', KEYS[4], 'ex', 1)
      return {0, win_Z - now, 1, 0}
    end
    give = math.min(give, avail)
    if win_paced then
      win_rate = win_L / win_W
      local depth = math.max(1, math.floor(win_rate * 1000))
      win_pt = depth
      if h[8] then
        win_pt = math.min(depth, tonumber(h[8]) + math.max(0, now - tonumber(h[9])) * win_rate)
      end
      if win_pt < need then return {0, math.ceil((need - win_pt) / win_rate), 2, 0} end
      give = math.min(give, math.floor(win_pt))
    end
  end
end
"""

_WINDOW_SPEND = """
if use_tokens then
  redis.call('HSET', KEYS[4], 'seq', win_seq + give)
  if win_pt then
    redis.call('HSET', KEYS[4], 'pt', string.format('%.6f', win_pt - give), 'pts', now)
  end
  if not win_L then redis.call('PEXPIRE', KEYS[4], 86400000) end
end
return {give, 0, 0, win_seq or 0}
"""

# KEYS: bucket hash, leases zset, pause string, window hash, then one log zset per counted
#       window.
# ARGV: wanted, needed, use tokens (0/1), refill per ms, burst, concurrency cap (0: no
#       places), lease ms, holder id prefix, then (count, period ms) of each counted window:
#       a grant needs room in every one (no more than count grants in any period).
# Grants g with needed <= g <= wanted tokens and places together (places are the members
# prefix:1..g), or nothing. Returns {g, wait ms, reason, first seq}: reason 0 = granted,
# 1 = paused (by a pause, or the announced window is spent: wait until its reset), 2 = no
# token yet (wait is exact), 3 = places full (wait: until the first lease runs out); the grants
# are numbered first seq .. first seq + g - 1.
ACQUIRE = (
    """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local paused = tonumber(redis.call('GET', KEYS[3]) or '0')
if paused > now then return {0, paused - now, 1, 0} end
local want, need = tonumber(ARGV[1]), tonumber(ARGV[2])
local use_tokens, per_ms, burst = ARGV[3] == '1', tonumber(ARGV[4]), tonumber(ARGV[5])
local cap, lease = tonumber(ARGV[6]), tonumber(ARGV[7])
local give, tokens = want, burst
local logs = {}
"""
    + _WINDOW_GATE
    + """
if use_tokens then
  local b = redis.call('HMGET', KEYS[1], 't', 'ts')
  if b[1] then
    tokens = math.min(burst, tonumber(b[1]) + math.max(0, now - tonumber(b[2])) * per_ms)
  end
  if tokens < need then return {0, math.ceil((need - tokens) / per_ms), 2, 0} end
  give = math.min(give, math.floor(tokens))
  -- windows counted exactly (a log of grants each, KEYS[5..]): never more than n in any p ms,
  -- so a platform's fixed windows hold however they are aligned
  for k = 1, math.floor((#ARGV - 8) / 2) do
    local n, p, key = tonumber(ARGV[7 + 2 * k]), tonumber(ARGV[8 + 2 * k]), KEYS[4 + k]
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - p)
    local free = n - redis.call('ZCARD', key)
    if free < need then
      local r = redis.call('ZRANGE', key, need - free - 1, need - free - 1, 'WITHSCORES')
      local wait = p
      if r[2] then wait = tonumber(r[2]) + p - now + 1 end
      return {0, math.max(1, wait), 2, 0}
    end
    give = math.min(give, free, 5000)
    logs[#logs + 1] = {key, p}
  end
end
if cap > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  local free = cap - redis.call('ZCARD', KEYS[2])
  if free < need then
    local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
    local hint = lease
    if first[2] then hint = tonumber(first[2]) - now end
    return {0, hint, 3, 0}
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
  for _, log in ipairs(logs) do
    for first = 1, give, 500 do
      local args = {}
      for i = first, math.min(give, first + 499) do
        args[#args + 1] = now
        args[#args + 1] = ARGV[8] .. ':t' .. i
      end
      redis.call('ZADD', log[1], unpack(args))
    end
    redis.call('PEXPIRE', log[1], log[2] + 1000)
  end
end
"""
    + _WINDOW_SPEND
)

# KEYS: window hash. ARGV: limit, remaining, no call before (epoch ms), the seq of the grant the
# answer was for (-1: unknown, charge from now), exhausted (0/1).
# An answer of a later window replaces the one known; of the same window, it is kept if it
# leaves less; of an earlier window, ignored. Still refused after the announced reset (clocks,
# rounding): nothing for one more second. Returns the wait in ms before the next call (0: none).
OBSERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local L, R, Z = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local s, ex = tonumber(ARGV[4]), ARGV[5] == '1'
if ex and Z <= now then Z, R = now + 1000, 0 end
local h = redis.call('HMGET', KEYS[1], 'R', 'obs', 'seq', 'W', 'Zr')
local seq = tonumber(h[3] or '0')
if s < 0 or s > seq then s = seq end
local W = math.max(tonumber(h[4] or '0'), Z - now, 1000)
local Zr = tonumber(h[5] or '0')
if not h[1] or Z > Zr + 500 then
  redis.call('HSET', KEYS[1], 'L', L, 'R', R, 'Z', Z, 'Zr', Z, 'obs', s, 'seq', seq, 'W', W)
elseif Z >= Zr - 500 then
  local known = tonumber(h[1]) - (seq - tonumber(h[2]))
  if R - (seq - s) < known then
    redis.call('HSET', KEYS[1], 'R', R, 'obs', s)
  end
  redis.call('HSET', KEYS[1], 'L', L, 'W', W)
else
  return 0
end
if ex then redis.call('HSET', KEYS[1], 'ex', 1) end
redis.call('PEXPIRE', KEYS[1], math.max(0, Z - now) + 2 * W)
if R <= 0 and Z > now then return Z - now end
return 0
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

# KEYS: bucket, leases, pause, window, then the counted windows' logs. ARGV: refill per ms,
# burst, then (count, period ms) of each counted window, as ACQUIRE's. Read-only.
# Returns {tokens as string (the least the bucket or a log allows), live leases, paused until
# ms, now ms, then the room left in each counted window};
# "paused" also covers an announced window with nothing left.
PEEK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local per_ms, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local tokens = burst
local b = redis.call('HMGET', KEYS[1], 't', 'ts')
if b[1] then
  tokens = math.min(burst, tonumber(b[1]) + math.max(0, now - tonumber(b[2])) * per_ms)
end
local room = {}
for k = 1, math.floor((#ARGV - 2) / 2) do
  local n, p = tonumber(ARGV[1 + 2 * k]), tonumber(ARGV[2 + 2 * k])
  room[k] = n - redis.call('ZCOUNT', KEYS[4 + k], '(' .. (now - p), '+inf')
  tokens = math.min(tokens, room[k])
end
local live = redis.call('ZCOUNT', KEYS[2], '(' .. now, '+inf')
local paused = tonumber(redis.call('GET', KEYS[3]) or '0')
local w = redis.call('HMGET', KEYS[4], 'R', 'Z', 'obs', 'seq')
if w[1] and tonumber(w[2]) > now then
  local avail = tonumber(w[1]) - (tonumber(w[4] or '0') - tonumber(w[3]))
  if avail <= 0 then paused = math.max(paused, tonumber(w[2])) end
end
if paused <= now then paused = 0 end
return {string.format('%.6f', tokens), live, paused, now, unpack(room)}
"""

GRANTED, PAUSED, NO_TOKEN, FULL = 0, 1, 2, 3
MAX_PLACES_PER_CALL = 1000  # Lua's unpack() has a stack limit; no page is this large.
