import type { SessionBackend } from "@x/session-core";
import { usage } from "../errors.js";

/** The static side of a backend class: an async factory. */
export interface BackendFactory<O> {
	open(options: O): Promise<SessionBackend>;
}

/**
 * Loads a backend package and the named export, or explains in one line that this build does
 * not offer that kind of location. Backends are loaded on demand, so a command that only reads
 * a file never loads a database driver.
 */
export async function loadExport<T>(scheme: string, pkg: string, name: string): Promise<T> {
	let mod: Record<string, unknown>;
	try {
		mod = (await importPackage(pkg)) as Record<string, unknown>;
	} catch (cause) {
		throw Object.assign(
			usage(`${scheme}: locations are not available: ${pkg} could not be loaded`),
			{ cause },
		);
	}
	const value = mod[name];
	if (value === undefined)
		throw usage(`${scheme}: locations are not available in this build (${pkg} has no ${name})`);
	return value as T;
}

/** Loads a backend factory class (see {@link loadExport}). */
export async function loadFactory<O>(
	scheme: string,
	pkg: string,
	name: string,
): Promise<BackendFactory<O>> {
	const value = await loadExport<BackendFactory<O>>(scheme, pkg, name);
	if (typeof (value as { open?: unknown }).open !== "function") {
		throw usage(
			`${scheme}: locations are not available in this build (${pkg}'s ${name} has no open())`,
		);
	}
	return value;
}

/** Optional export: `undefined` when the package or the name is missing. */
export async function tryExport<T>(pkg: string, name: string): Promise<T | undefined> {
	try {
		return ((await importPackage(pkg)) as Record<string, unknown>)[name] as T | undefined;
	} catch {
		return undefined;
	}
}

function importPackage(pkg: string): Promise<unknown> {
	switch (pkg) {
		case "@x/session-file":
			return import("@x/session-file");
		case "@x/session-sqlite":
			return import("@x/session-sqlite");
		case "@x/session-libsql":
			return import("@x/session-libsql");
		case "@x/session-redis":
			return import("@x/session-redis");
		default:
			// packages that are not dependencies (yet): resolved at run time only
			return import(pkg);
	}
}
