// Reading and writing whole tdata folders (Node: node:fs and, by default, node:crypto).
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { isSessionError, type PersistedSession, SecretBytes } from "@x/session-core";
import { Reader, Writer } from "../bytes.js";
import { corrupt, invalid, ioError } from "../errors.js";
import type { Decoded } from "../types.js";
import { authorizationToSession, sessionAuthKeys, tdataFactsOf } from "./account-session.js";
import type { TdataCrypto } from "./crypto.js";
import { isTestDc } from "./dc-addresses.js";
import { makeDir, readTdfFile, removeTdfFiles, syncDir, writeTdfFile } from "./files.js";
import {
	accountDataName,
	DEFAULT_DATA_NAME,
	keyFileName,
	tdataFileName,
} from "./key-derivation.js";
import { decryptLocal, encryptLocal } from "./local-encryption.js";
import { decodeKeyData, encodeKeyData, MAX_ACCOUNTS, type TdataKeyData } from "./local-key.js";
import { decodeMtpAuthorization, encodeMtpAuthorization } from "./mtp-authorization.js";
import { encodeTestMtpConfig, readEnvironment, type TdataEnvironment } from "./mtp-config.js";
import { nodeTdataCrypto } from "./node-crypto.js";
import { readQBytes, writeQBytes } from "./qt-bytes.js";

/** Options shared by reading and writing. */
export interface TdataFolderOptions {
	/** The local passcode (default: none). Take it from the user, never from a command line. */
	passcode?: string | undefined;
	/** Desktop's `-key` data name (default `data`). */
	dataName?: string;
	/** Crypto primitives (default: `node:crypto`). */
	crypto?: TdataCrypto;
}

/** Options of {@link readTdataFolder}. */
export interface TdataReadOptions extends TdataFolderOptions {
	/** 0-based account index (`data` is 0, `data#2` is 1, …); default 0. */
	account?: number;
	/**
	 * Whether the account is on Telegram's test servers; it chooses the DC addresses. Default:
	 * what the account's `configs` file says, production when it has none.
	 */
	testMode?: boolean;
}

/** What a tdata account carries besides the session. */
export interface TdataExtra {
	/** The account read (0-based). */
	account: number;
	/** Every account index key_datas lists, in Desktop's order, and the active one. */
	accounts: number[];
	active: number;
	userId: bigint;
	testMode: boolean;
	/** Desktop's version number in the account file's container. */
	version: number;
	/** Bytes read: key_datas and the account's file. */
	bytes: number;
}

/** The accounts of a folder, as key_datas lists them. */
export async function listTdataAccounts(
	dir: string,
	options: TdataFolderOptions = {},
): Promise<{ accounts: number[]; active: number }> {
	const { keyData } = await openKeyData(dir, options);
	return { accounts: keyData.accounts, active: keyData.active };
}

async function openKeyData(
	dir: string,
	options: TdataFolderOptions,
): Promise<{ keyData: TdataKeyData; crypto: TdataCrypto; bytes: number }> {
	const crypto = options.crypto ?? nodeTdataCrypto();
	const stat = await fs.stat(dir).catch((cause: unknown) => {
		throw ioError("the tdata folder does not exist or cannot be read", cause);
	});
	if (!stat.isDirectory()) throw invalid("a tdata location must be a directory (the tdata folder)");
	const name = keyFileName(options.dataName ?? DEFAULT_DATA_NAME);
	const file = await readTdfFile(crypto, dir, name);
	if (!file)
		throw corrupt(
			`not a Telegram Desktop tdata folder: it has no ${name}s (point at the folder named tdata)`,
		);
	const keyData = await decodeKeyData(crypto, file.payload, options.passcode ?? "");
	return { keyData, crypto, bytes: file.bytes };
}

/**
 * Reads one account of a tdata folder (read-only). Its keys become DC entries at the DCs'
 * well-known addresses, the main DC the home DC; the user id and test flag are returned in
 * `extra` and kept in the session's extensions (`tdata:user-id`, `tdata:test-mode`).
 */
export async function readTdataFolder(
	dir: string,
	options: TdataReadOptions = {},
): Promise<Decoded<TdataExtra>> {
	const index = options.account ?? 0;
	if (!Number.isInteger(index) || index < 0 || index >= MAX_ACCOUNTS)
		throw invalid(`account index must be an integer from 0 to ${MAX_ACCOUNTS - 1}`);
	const { keyData, crypto, bytes } = await openKeyData(dir, options);
	const shown = (i: number) => `#${i + 1}`;
	if (!keyData.accounts.includes(index))
		throw invalid(
			`account ${shown(index)} does not exist in this tdata folder; it has ${keyData.accounts.map(shown).join(", ") || "none"}`,
		);
	const name = tdataFileName(crypto, accountDataName(index, options.dataName));
	const file = await readTdfFile(crypto, dir, name);
	if (!file) throw corrupt(`account ${shown(index)} is listed but its file ${name}s is missing`);
	const encrypted = readQBytes(new Reader(file.payload, file.file), "encrypted data");
	const plain = decryptLocal(
		crypto,
		encrypted,
		keyData.localKey.expose(),
		file.file,
		"it was not written with this folder's local key",
	);
	const auth = decodeMtpAuthorization(plain);
	const testMode = options.testMode ?? (await environmentOf(crypto, dir, name, keyData)) === "test";
	return {
		session: authorizationToSession(auth, testMode, `account ${shown(index)}`),
		extra: {
			account: index,
			accounts: keyData.accounts,
			active: keyData.active,
			userId: auth.userId,
			testMode,
			version: file.version,
			bytes: bytes + file.bytes,
		},
	};
}

/** The environment the account's configs file names; `null` without a readable one. */
async function environmentOf(
	crypto: TdataCrypto,
	dir: string,
	accountName: string,
	keyData: TdataKeyData,
): Promise<TdataEnvironment | null> {
	try {
		const file = await readTdfFile(crypto, join(dir, accountName), "config");
		if (!file) return null;
		const encrypted = readQBytes(new Reader(file.payload, "configs"), "encrypted data");
		return readEnvironment(
			decryptLocal(crypto, encrypted, keyData.localKey.expose(), "configs", ""),
		);
	} catch (error) {
		// a damaged cache does not make the account unreadable: the environment stays unknown
		if (isSessionError(error)) return null;
		throw error;
	}
}

/** One account to write, with what the model does not hold. */
export interface TdataAccountInput {
	session: PersistedSession;
	/** Default: the session's `tdata:user-id` extension, else 0 (Desktop asks the server). */
	userId?: bigint;
	/** Default: the session's `tdata:test-mode` extension, else production. */
	testMode?: boolean;
}

/** Options of {@link writeTdataFolder}. */
export interface TdataWriteOptions extends TdataFolderOptions {
	/** Write into a directory that already exists (its key_datas and account files are replaced). */
	overwrite?: boolean;
	/** 0-based index of the account Desktop opens first (default 0). */
	active?: number;
}

/**
 * Writes a tdata folder Desktop can open: key_datas (a new random local key, under the passcode
 * when given), and for each account its MTP authorization file, an empty map and, for an account
 * on the test environment (`tdata:test-mode` 1), an MTP config that says so. The directory
 * must not exist unless `overwrite`; directories are 0700, files 0600, each written atomically
 * and key_datas last, so an interrupted write never leaves a folder that opens half-written.
 */
export async function writeTdataFolder(
	dir: string,
	accounts: PersistedSession | TdataAccountInput[],
	options: TdataWriteOptions = {},
): Promise<{ accounts: number; files: string[] }> {
	const list = Array.isArray(accounts) ? accounts : [{ session: accounts }];
	if (list.length === 0) throw invalid("a tdata folder needs at least one account");
	if (list.length > MAX_ACCOUNTS) throw invalid(`at most ${MAX_ACCOUNTS} accounts`);
	const active = options.active ?? 0;
	if (!Number.isInteger(active) || active < 0 || active >= list.length)
		throw invalid(`active account index ${active} is not one of the ${list.length} written`);
	const crypto = options.crypto ?? nodeTdataCrypto();
	const keyFile = keyFileName(options.dataName);
	// everything that can be refused is checked before the first byte is written
	const blocks = list.map(({ session, userId, testMode }) => {
		const authKeys = sessionAuthKeys(session);
		const test = testMode ?? tdataFactsOf(session).testMode === true;
		const foreign = authKeys.find((k) => test && !isTestDc(k.dcId));
		if (foreign)
			throw invalid(
				`DC ${foreign.dcId} is not one of Telegram's test DCs; a test-environment account has keys for DCs 1-3 only`,
			);
		const mainDcId = session.homeDcId;
		const auth = { userId: userId ?? tdataFactsOf(session).userId ?? 0n, mainDcId, authKeys };
		return { auth: encodeMtpAuthorization({ ...auth, keysToDestroy: [] }), testMode: test };
	});
	const exists = await fs.stat(dir).then(
		() => true,
		() => false,
	);
	if (exists && !options.overwrite)
		throw invalid(
			"the tdata target already exists; choose a new directory, or pass overwrite to write into it",
		);
	const keyData: TdataKeyData = {
		localKey: new SecretBytes(crypto.randomBytes(256)),
		accounts: list.map((_, i) => i),
		active,
	};
	const keyPayload = await encodeKeyData(crypto, keyData, options.passcode ?? "");
	await makeDir(dir);
	const files: string[] = [];
	const sealed = (plain: Uint8Array) =>
		writeQBytes(new Writer(), encryptLocal(crypto, plain, keyData.localKey.expose())).bytes;
	for (const [i, { auth, testMode }] of blocks.entries()) {
		const name = tdataFileName(crypto, accountDataName(i, options.dataName));
		files.push(await writeTdfFile(crypto, dir, name, sealed(auth)));
		// Desktop ignores an account without a map; an empty one (no stored data) is enough
		const mapDir = join(dir, name);
		await makeDir(mapDir);
		const map = new Writer();
		writeQBytes(map, new Uint8Array(0));
		writeQBytes(map, new Uint8Array(0));
		writeQBytes(map, encryptLocal(crypto, new Uint8Array(0), keyData.localKey.expose()));
		files.push(await writeTdfFile(crypto, mapDir, "map", map.bytes));
		// the environment lives only in the MTP config; without one Desktop takes production
		if (testMode)
			files.push(await writeTdfFile(crypto, mapDir, "config", sealed(encodeTestMtpConfig())));
		else await removeTdfFiles(mapDir, "config");
		await syncDir(mapDir);
	}
	files.push(await writeTdfFile(crypto, dir, keyFile, keyPayload));
	await syncDir(dir);
	return { accounts: list.length, files };
}
