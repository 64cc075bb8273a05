// Writes while an admin connection terminates this process's connections, round after round
// (pg_terminate_backend, filtered by this run's application_name), then checks every write that
// resolved is stored and every write refused with CONNECTION is not. Prints the counts as JSON.
// Run in a child process: an unhandled 'error' event ends it with exit code 1.
import { isSessionError } from "@x/session-core";
import { sampleSession, testPeers } from "@x/session-core/testing";
import pg from "pg";
import { PostgresSessionBackend } from "../../src/index.js";

const [url, schema, rounds, mode] = process.argv.slice(2) as [string, string, string, string];
const app = `xs-terminate-${schema}`;
const PER_ROUND = 12;

const userPool =
	mode === "pool" ? new pg.Pool({ connectionString: url, application_name: app }) : undefined;
// pg requires an 'error' listener on a pool for its idle clients; the ones checked out are ours
userPool?.on("error", () => undefined);
const backend = await PostgresSessionBackend.open({
	...(userPool ? { pool: userPool } : { connectionString: url, applicationName: app }),
	schema,
	sessionId: "t",
});
await backend.save({ ...sampleSession(), peers: [] });
const admin = new pg.Client({ connectionString: url });
await admin.connect();

/** Write k stores two peers of its own: ids 7e6 + 2k and 7e6 + 2k + 1. */
const peersOf = (k: number) =>
	testPeers(8, k).map((p) => ({ ...p, id: 7_000_000n + BigInt(k * 2) + (p.id - 1_000_000n) }));
const outcome = new Map<number, string>();
const codes: Record<string, number> = {};
let killed = 0;
let firstAfterFailed = 0;
const started = Date.now();
for (let round = 0; round < Number(rounds); round++) {
	const writes = Array.from({ length: PER_ROUND }, (_, i) => {
		const k = round * PER_ROUND + i;
		return backend.cachePeers(peersOf(k)).then(
			() => outcome.set(k, "ok"),
			(e: unknown) => {
				const code = isSessionError(e) ? e.code : `untyped: ${String(e)}`;
				outcome.set(k, code);
				codes[code] = (codes[code] ?? 0) + 1;
			},
		);
	});
	await new Promise((r) => setTimeout(r, (round % 5) * 3));
	const r = await admin.query(
		"SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE application_name = $1",
		[app],
	);
	killed += Number(r.rows[0].n);
	await Promise.all(writes);
	// the next call after the kill, with no reopening
	const next = await backend.setHomeDc(2).then(
		() => "ok",
		(e: unknown) => (isSessionError(e) ? e.code : String(e)),
	);
	if (next !== "ok") firstAfterFailed++;
}
const stored = new Set(((await backend.load())?.peers ?? []).map((p) => `${p.kind}:${p.id}`));
let acknowledged = 0;
let lost = 0;
let refusedButApplied = 0;
let unknownApplied = 0;
for (const [k, result] of outcome) {
	const present = peersOf(k).filter((p) => stored.has(`${p.kind}:${p.id}`)).length;
	if (result === "ok") {
		acknowledged++;
		if (present !== 8) lost++;
	} else if (result === "CONNECTION" && present > 0) refusedButApplied++;
	else if (result === "TIMEOUT" && present > 0) unknownApplied++;
}
await backend.close();
await admin.end();
await userPool?.end();
process.stdout.write(
	`${JSON.stringify({ rounds: Number(rounds), writes: outcome.size, acknowledged, lost, refusedButApplied, unknownApplied, codes, killed, firstAfterFailed, ms: Date.now() - started })}\n`,
);
