import type { Context } from "../context.js";
import type { Location } from "../location.js";
import { fileStore } from "./file.js";
import { ForeignStore } from "./foreign.js";
import { redisStore } from "./redis.js";
import { libsqlStore, postgresStore, sqliteStore } from "./sql.js";
import type { Store } from "./store.js";
import { StringStore } from "./string.js";
import { TdataStore } from "./tdata.js";

/** Opens the store a location names. Nothing is touched until a method is called. */
export function openStore(location: Location, ctx: Context): Store {
	// `file:<a session string>` (a prefix mixed up) is kept out of "no such file" messages
	if (location.scheme === "file" || location.scheme === "sqlite" || location.scheme === "libsql") {
		const path = location.scheme === "libsql" ? (location.localPath ?? "") : location.path;
		for (const [run] of `${location.text} ${path}`.matchAll(/[A-Za-z0-9+/_=-]{40,}/g))
			if (/[A-Z]/.test(run) && /[a-z]/.test(run) && /\d/.test(run)) ctx.addSecret(run);
	}
	switch (location.scheme) {
		case "file":
			return fileStore(location, ctx);
		case "string":
		case "env":
			return new StringStore(location, ctx);
		case "sqlite":
			return sqliteStore(location, ctx);
		case "libsql":
			return libsqlStore(location, ctx);
		case "redis":
			return redisStore(location, ctx);
		case "postgres":
			return postgresStore(location, ctx);
		case "tdata":
			return new TdataStore(location, ctx);
		default:
			return new ForeignStore(location, ctx);
	}
}
