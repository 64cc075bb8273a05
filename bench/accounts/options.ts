// The run's settings, from the environment:
//   XS_ACCOUNTS_N=10,100,1000          sessions per measurement
//   XS_ACCOUNTS_SECONDS=3              closed-loop load per measurement
//   XS_ACCOUNTS_BACKENDS=sqlite,libsql,postgres,redis
//   XS_ACCOUNTS_SUBJECTS=x-session,raw both, or one of them
//   XS_ACCOUNTS_LEASE_TTL_MS=1000      the lease check after the main table: our sessions at the
//                                      largest N with this lease, while a rival process tries to take
//                                      them over (0: no lease check)
import { BACKENDS, type BackendName } from "./stores.js";

export interface AccountsOptions {
	sizes: number[];
	seconds: number;
	backends: BackendName[];
	subjects: ("x-session" | "raw driver")[];
	/** The lease check's TTL; 0: no lease check. */
	leaseTtlMs: number;
}

function list(name: string, fallback: string): string[] {
	return (process.env[name] ?? fallback)
		.split(",")
		.map((s) => s.trim())
		.filter(Boolean);
}

function fail(message: string): never {
	console.error(`bench accounts: ${message}`);
	process.exit(2);
}

export function accountsOptions(): AccountsOptions {
	const sizes = list("XS_ACCOUNTS_N", "10,100,1000").map(Number);
	if (sizes.length === 0 || sizes.some((n) => !Number.isSafeInteger(n) || n < 1))
		fail(`XS_ACCOUNTS_N must be whole numbers of at least 1, not "${process.env.XS_ACCOUNTS_N}"`);
	const seconds = Number(process.env.XS_ACCOUNTS_SECONDS ?? "3");
	if (!(seconds > 0))
		fail(`XS_ACCOUNTS_SECONDS must be a positive number, not "${process.env.XS_ACCOUNTS_SECONDS}"`);
	const backends = list("XS_ACCOUNTS_BACKENDS", BACKENDS.join(","));
	const unknown = backends.filter((b) => !(BACKENDS as readonly string[]).includes(b));
	if (unknown.length > 0)
		fail(`unknown backend ${unknown.join(", ")} in XS_ACCOUNTS_BACKENDS (${BACKENDS.join(", ")})`);
	const subjects = list("XS_ACCOUNTS_SUBJECTS", "x-session,raw").map((s) =>
		s === "raw"
			? "raw driver"
			: s === "x-session"
				? "x-session"
				: fail(`unknown subject "${s}" in XS_ACCOUNTS_SUBJECTS (x-session, raw)`),
	);
	const ttl = process.env.XS_ACCOUNTS_LEASE_TTL_MS ?? "1000";
	const leaseTtlMs = Number(ttl);
	if (!(Number.isSafeInteger(leaseTtlMs) && (leaseTtlMs === 0 || leaseTtlMs >= 100)))
		fail(`XS_ACCOUNTS_LEASE_TTL_MS must be 0 or whole milliseconds of at least 100, not "${ttl}"`);
	return { sizes, seconds, backends: backends as BackendName[], subjects, leaseTtlMs };
}
