import type { Cluster, Redis } from "ioredis";
import { DATA_PARTS } from "./keys.js";

/** The data hashes a full save stages and renames: all but meta. */
const STAGED_PARTS = DATA_PARTS.length - 1;

// Every write script takes KEYS[1] = lease, KEYS[2] = fence, then the data keys, and
// ARGV[1] = this instance's lease value ('' when locking is off), ARGV[2] = its fencing token.
// The guard runs inside the same script as the write, so a writer whose lease expired or was
// taken over cannot write: the check and the write are one atomic step on the server.
const GUARD = `
local function guard()
	if ARGV[1] ~= '' then
		local cur = redis.call('GET', KEYS[1])
		local fence = redis.call('GET', KEYS[2])
		if cur ~= ARGV[1] or fence ~= ARGV[2] then
			-- no holder and no newer token: this instance's own lease ran out
			if not cur and fence == ARGV[2] then return 'XSLEASE expired' end
			-- a newer token (or another value): another holder took over, maybe released since
			return 'XSLEASE taken ' .. (fence or '-') .. ' ' .. (cur or '')
		end
	end
	return nil
end
local function hsetFrom(key, from)
	local n = #ARGV
	local i = from
	while i <= n do
		local j = math.min(i + 999, n)
		redis.call('HSET', key, unpack(ARGV, i, j))
		i = j + 1
	end
end
`;

/** The Lua scripts, by command name. `numberOfKeys` is fixed per script. */
export const SCRIPTS = {
	/** HSET fields on meta. KEYS: lease fence meta. ARGV: lv token f v ... */
	xsessionSetMeta: {
		numberOfKeys: 3,
		lua: `${GUARD}
local e = guard() if e then return redis.error_reply(e) end
redis.call('HSET', KEYS[3], 'v', '1')
hsetFrom(KEYS[3], 3)
return 1`,
	},
	/** HSET fields on one data hash. KEYS: lease fence meta target. ARGV: lv token f v ... */
	xsessionHset: {
		numberOfKeys: 4,
		lua: `${GUARD}
local e = guard() if e then return redis.error_reply(e) end
redis.call('HSETNX', KEYS[3], 'v', '1')
hsetFrom(KEYS[4], 3)
return 1`,
	},
	/** Replaces the update state. KEYS: lease fence meta chpts. ARGV: lv token pts qts date seq f v ... */
	xsessionSetState: {
		numberOfKeys: 4,
		lua: `${GUARD}
local e = guard() if e then return redis.error_reply(e) end
redis.call('HSET', KEYS[3], 'v', '1', 'pts', ARGV[3], 'qts', ARGV[4], 'date', ARGV[5], 'seq', ARGV[6])
redis.call('DEL', KEYS[4])
hsetFrom(KEYS[4], 7)
return 1`,
	},
	/**
	 * Caches peers with mergePeer's rule: a zero hash keeps the known one, kind byte 0xFF keeps
	 * the known kind. A peer given metadata gets it whole: the usernames and phone listed in its
	 * old metadata are released (when it still owns them) and the new ones are claimed in the
	 * indexes, from whoever held them. A metadata value starts with its index text (phone, then
	 * usernames, newline-separated) ended by a NUL byte.
	 * KEYS: lease fence meta peers pmeta unames phones. ARGV: lv token (field value meta|'') ...
	 */
	xsessionCachePeers: {
		numberOfKeys: 7,
		lua: `${GUARD}
local e = guard() if e then return redis.error_reply(e) end
redis.call('HSETNX', KEYS[3], 'v', '1')
local zero = string.rep('\\0', 8)
local function names(m)
	local cut = string.find(m, '\\0', 1, true)
	if not cut then return nil end
	local out = {}
	for line in string.gmatch(string.sub(m, 1, cut - 1) .. '\\n', '([^\\n]*)\\n') do
		out[#out + 1] = line
	end
	return out
end
for i = 3, #ARGV, 3 do
	local f, v, m = ARGV[i], ARGV[i + 1], ARGV[i + 2]
	local old = redis.call('HGET', KEYS[4], f)
	if old then
		if string.len(old) ~= 9 then return redis.error_reply('XSCORRUPT peer ' .. f) end
		local h = string.sub(v, 1, 8)
		if h == zero then h = string.sub(old, 1, 8) end
		local k = string.sub(v, 9, 9)
		if k == '\\255' then k = string.sub(old, 9, 9) end
		v = h .. k
	end
	redis.call('HSET', KEYS[4], f, v)
	if m ~= '' then
		local before = redis.call('HGET', KEYS[5], f)
		if before then
			local list = names(before)
			if not list then return redis.error_reply('XSCORRUPT peer metadata ' .. f) end
			for j, name in ipairs(list) do
				local index = j == 1 and KEYS[7] or KEYS[6]
				if name ~= '' and redis.call('HGET', index, name) == f then redis.call('HDEL', index, name) end
			end
		end
		for j, name in ipairs(names(m)) do
			if name ~= '' then redis.call('HSET', j == 1 and KEYS[7] or KEYS[6], name, f) end
		end
		redis.call('HSET', KEYS[5], f, m)
	end
end
return 1`,
	},
	/**
	 * Reads one peer, by field, username or phone (ARGV: mode f|u|p, value). KEYS: peers pmeta
	 * unames phones. Returns nil, {field, value}, or {field, value, meta, phone, usernames...}
	 * with only the phone and usernames the peer still owns.
	 */
	xsessionPeer: {
		numberOfKeys: 4,
		lua: `local f = ARGV[2]
if ARGV[1] == 'u' then f = redis.call('HGET', KEYS[3], ARGV[2])
elseif ARGV[1] == 'p' then f = redis.call('HGET', KEYS[4], ARGV[2]) end
if not f then return nil end
local v = redis.call('HGET', KEYS[1], f)
if not v then return nil end
local m = redis.call('HGET', KEYS[2], f)
if not m then return {f, v} end
local cut = string.find(m, '\\0', 1, true)
if not cut then return redis.error_reply('XSCORRUPT peer metadata ' .. f) end
local out = {f, v, m, ''}
local first = true
for name in string.gmatch(string.sub(m, 1, cut - 1) .. '\\n', '([^\\n]*)\\n') do
	if first then
		if name ~= '' and redis.call('HGET', KEYS[4], name) == f then out[4] = name end
		first = false
	elseif redis.call('HGET', KEYS[3], name) == f then
		out[#out + 1] = name
	end
end
return out`,
	},
	/** HDEL fields of one data hash. KEYS: lease fence target. ARGV: lv token field ... */
	xsessionHdel: {
		numberOfKeys: 3,
		lua: `${GUARD}
local e = guard() if e then return redis.error_reply(e) end
return redis.call('HDEL', KEYS[3], unpack(ARGV, 3))`,
	},
	/**
	 * Commits a full save staged in temporary hashes: checks the lease and that every staging hash
	 * holds the expected number of fields, then renames them over the live ones and rewrites meta.
	 * KEYS: lease fence meta, the N other data keys, their N staging keys.
	 * ARGV: lv token, N field counts, home pts qts date seq [authtoken].
	 */
	xsessionCommit: {
		numberOfKeys: 3 + 2 * STAGED_PARTS,
		lua: `${GUARD}
local n = (#KEYS - 3) / 2
local function dropStage() for i = 4 + n, 3 + 2 * n do redis.call('DEL', KEYS[i]) end end
local e = guard() if e then dropStage() return redis.error_reply(e) end
for i = 0, n - 1 do
	if redis.call('HLEN', KEYS[4 + n + i]) ~= tonumber(ARGV[3 + i]) then
		dropStage()
		return redis.error_reply('XSSTAGE staged data incomplete; nothing was changed')
	end
end
local a = 3 + n
redis.call('DEL', KEYS[3])
redis.call('HSET', KEYS[3], 'v', '1', 'home', ARGV[a], 'pts', ARGV[a + 1], 'qts', ARGV[a + 2], 'date', ARGV[a + 3], 'seq', ARGV[a + 4])
if #ARGV >= a + 5 then redis.call('HSET', KEYS[3], 'token', ARGV[a + 5]) end
for i = 0, n - 1 do
	if tonumber(ARGV[3 + i]) > 0 then
		redis.call('RENAME', KEYS[4 + n + i], KEYS[4 + i])
		redis.call('PERSIST', KEYS[4 + i])
	else
		redis.call('DEL', KEYS[4 + i])
	end
end
return 1`,
	},
	/** Deletes the session's data. KEYS: lease fence, the data keys. ARGV: lv token. */
	xsessionDelete: {
		numberOfKeys: 3 + STAGED_PARTS,
		lua: `${GUARD}
local e = guard() if e then return redis.error_reply(e) end
return redis.call('DEL', unpack(KEYS, 3))`,
	},
	/** Deletes a session nobody holds (the fence stays, so tokens never repeat). KEYS: lease fence, the data keys. */
	xsessionDeleteFree: {
		numberOfKeys: 3 + STAGED_PARTS,
		lua: `local cur = redis.call('GET', KEYS[1])
if cur then return {0, cur, redis.call('PTTL', KEYS[1])} end
return {1, redis.call('DEL', unpack(KEYS, 3))}`,
	},
	/**
	 * Takes the lease if free: INCR the fence, SET lease NX PX. KEYS: lease fence.
	 * ARGV: value prefix, value suffix, ttl. Returns {1, value, token} or {0, holder, pttl}.
	 */
	xsessionAcquire: {
		numberOfKeys: 2,
		lua: `local cur = redis.call('GET', KEYS[1])
if cur then return {0, cur, redis.call('PTTL', KEYS[1])} end
local token = redis.call('INCR', KEYS[2])
local value = ARGV[1] .. token .. ARGV[2]
redis.call('SET', KEYS[1], value, 'PX', ARGV[3])
return {1, value, token}`,
	},
	/**
	 * Compare-and-pexpire. A lease that is gone is never taken back here (another holder may
	 * have taken and released it, or taken it on a node this one has not heard of yet): only a
	 * new acquisition, with a new token, takes a free session. KEYS: lease fence. ARGV: value
	 * ttl. Returns {1, value} or {0, current holder or '', current fence or ''}.
	 */
	xsessionRenew: {
		numberOfKeys: 2,
		lua: `local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return {1, cur} end
return {0, cur or '', redis.call('GET', KEYS[2]) or ''}`,
	},
	/** Compare-and-delete. KEYS: lease. ARGV: value. */
	xsessionRelease: {
		numberOfKeys: 1,
		lua: `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`,
	},
} as const;

/** Name of one of the scripts. */
export type ScriptName = keyof typeof SCRIPTS;

type Arg = string | Buffer | number;
/** A client (or pipeline) with the scripts defined as commands. */
export type ScriptCommands<R> = { [K in ScriptName]: (...args: Arg[]) => R };

/** Defines the scripts on `client` (once per client; EVALSHA with EVAL fallback via ioredis). */
export function defineScripts(client: Redis | Cluster): void {
	const target = client as unknown as Record<string, unknown>;
	for (const [name, def] of Object.entries(SCRIPTS)) {
		if (typeof target[name] === "function") continue;
		client.defineCommand(name, { numberOfKeys: def.numberOfKeys, lua: def.lua });
	}
}

/**
 * Renews many leases in one call (the lease renewer's, sent with `EVAL … 0`): per lease the
 * compare-and-pexpire of `xsessionRenew`. The keys are passed in ARGV, not KEYS, so one call
 * covers sessions in many slots: on a Cluster it is sent to one node with the leases of the slots
 * that node serves (Redis allows a script keys of several slots of its own node when they are not
 * declared), and a key the node does not serve (a slot that moved) is answered `{2, error}`
 * instead of failing the call, so that lease is renewed alone, through the redirects.
 * ARGV: (session key base with the client's keyPrefix, lease value, ttl ms) per lease.
 * Returns per lease: 1 renewed, {0, current holder or '', current fence or ''} lost,
 * {2, error} not served here.
 */
export const RENEW_MANY_LUA = `local out = {}
for i = 1, #ARGV, 3 do
	local lease = ARGV[i] .. ':lease'
	local cur = redis.pcall('GET', lease)
	if type(cur) == 'table' and cur.err then
		out[#out + 1] = {2, cur.err}
	elseif cur == ARGV[i + 1] then
		redis.call('PEXPIRE', lease, ARGV[i + 2])
		out[#out + 1] = 1
	else
		out[#out + 1] = {0, cur or '', redis.call('GET', ARGV[i] .. ':fence') or ''}
	end
end
return out`;
