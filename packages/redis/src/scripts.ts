import type { Cluster, Redis } from "ioredis";

// Every write script takes KEYS[1] = lease, KEYS[2] = fence, then the data keys, and
// ARGV[1] = this instance's lease value ('' when locking is off), ARGV[2] = its fencing token.
// The guard runs inside the same script as the write, so a writer whose lease expired or was
// taken over cannot write: the check and the write are one atomic step on the server.
const GUARD = `
local function guard()
	if ARGV[1] ~= '' then
		local cur = redis.call('GET', KEYS[1])
		if cur ~= ARGV[1] or redis.call('GET', KEYS[2]) ~= ARGV[2] then
			return 'XSLEASE ' .. (cur or '')
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
	 * the known kind. KEYS: lease fence meta peers. ARGV: lv token field value ...
	 */
	xsessionCachePeers: {
		numberOfKeys: 4,
		lua: `${GUARD}
local e = guard() if e then return redis.error_reply(e) end
redis.call('HSETNX', KEYS[3], 'v', '1')
local zero = string.rep('\\0', 8)
for i = 3, #ARGV, 2 do
	local f, v = ARGV[i], ARGV[i + 1]
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
end
return 1`,
	},
	/**
	 * Commits a full save staged in temporary hashes: checks the lease and that every staging hash
	 * holds the expected number of fields, then renames them over the live ones and rewrites meta.
	 * KEYS: lease fence meta dcs chpts peers minpeers sdcs schpts speers sminpeers.
	 * ARGV: lv token n_dcs n_chpts n_peers n_minpeers home pts qts date seq [authtoken].
	 */
	xsessionCommit: {
		numberOfKeys: 11,
		lua: `${GUARD}
local function dropStage() for i = 8, 11 do redis.call('DEL', KEYS[i]) end end
local e = guard() if e then dropStage() return redis.error_reply(e) end
for i = 0, 3 do
	if redis.call('HLEN', KEYS[8 + i]) ~= tonumber(ARGV[3 + i]) then
		dropStage()
		return redis.error_reply('XSSTAGE staged data incomplete; nothing was changed')
	end
end
redis.call('DEL', KEYS[3])
redis.call('HSET', KEYS[3], 'v', '1', 'home', ARGV[7], 'pts', ARGV[8], 'qts', ARGV[9], 'date', ARGV[10], 'seq', ARGV[11])
if #ARGV >= 12 then redis.call('HSET', KEYS[3], 'token', ARGV[12]) end
for i = 0, 3 do
	if tonumber(ARGV[3 + i]) > 0 then
		redis.call('RENAME', KEYS[8 + i], KEYS[4 + i])
		redis.call('PERSIST', KEYS[4 + i])
	else
		redis.call('DEL', KEYS[4 + i])
	end
end
return 1`,
	},
	/** Deletes the session's data. KEYS: lease fence meta dcs chpts peers minpeers. ARGV: lv token. */
	xsessionDelete: {
		numberOfKeys: 7,
		lua: `${GUARD}
local e = guard() if e then return redis.error_reply(e) end
return redis.call('DEL', KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7])`,
	},
	/** Deletes a session nobody holds (the fence stays, so tokens never repeat). KEYS: lease fence meta dcs chpts peers minpeers. */
	xsessionDeleteFree: {
		numberOfKeys: 7,
		lua: `local cur = redis.call('GET', KEYS[1])
if cur then return {0, cur, redis.call('PTTL', KEYS[1])} end
return {1, redis.call('DEL', KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7])}`,
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
	 * Compare-and-pexpire. If the lease vanished (expired) and nobody took it since (the fence is
	 * still ours), it is restored. KEYS: lease fence. ARGV: value token ttl. Returns {1|2|0, holder}.
	 */
	xsessionRenew: {
		numberOfKeys: 2,
		lua: `local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[3]) return {1, cur} end
if not cur and redis.call('GET', KEYS[2]) == ARGV[2] then
	redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
	return {2, ARGV[1]}
end
return {0, cur or ''}`,
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
