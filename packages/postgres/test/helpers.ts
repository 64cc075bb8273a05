import { randomBytes } from "node:crypto";
import { serviceAvailable } from "@x/session-core/testing";
import pg from "pg";

export const PG_URL = process.env.PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export const available = await serviceAvailable("postgres", async () => {
	const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
	await client.connect();
	await client.end();
});

/** A schema name no other test uses. */
export function randomSchema(): string {
	return `xs_test_${randomBytes(6).toString("hex")}`;
}

/** Runs one statement on a connection of its own (the tests' admin connection), then ends it. */
export async function adminQuery(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
	const client = new pg.Client({ connectionString: PG_URL });
	await client.connect();
	try {
		return await client.query(text, values);
	} finally {
		await client.end();
	}
}

export async function dropSchema(schema: string): Promise<void> {
	await adminQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}
