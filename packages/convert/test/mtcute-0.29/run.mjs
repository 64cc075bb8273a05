// Runs @mtcute/convert 0.29.7 (installed here, apart from the workspace) for the interop tests:
// one JSON request on stdin, one JSON answer on stdout. Keys travel as hex.
import {
	convertFromMtkrutoSession,
	convertToMtkrutoSession,
	parseMtkrutoSession,
	serializeMtkrutoSession,
	Tdata,
} from "@mtcute/convert";
import { Long } from "@mtcute/core";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const request = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const hex = (bytes) => Buffer.from(bytes).toString("hex");
const bytes = (text) => new Uint8Array(Buffer.from(text, "hex"));

async function run(req) {
	switch (req.op) {
		case "read-tdata": {
			const tdata = await Tdata.open({ path: req.path, passcode: req.passcode });
			const accounts = [];
			for (const index of tdata.keyData.order) {
				const auth = await tdata.readMtpAuthorization(index);
				accounts.push({
					index,
					userId: auth.userId.toString(),
					mainDcId: auth.mainDcId,
					keys: auth.authKeys.map((k) => ({ dcId: k.dcId, key: hex(k.key) })),
				});
			}
			return { order: tdata.keyData.order, active: tdata.keyData.active, accounts };
		}
		case "read-tdata-config": {
			// mtcute has no reader for the MTP config; its generic file reader decrypts it
			const tdata = await Tdata.open({ path: req.path, passcode: req.passcode });
			const folder = await tdata.computeDataNameKeyHex(req.account);
			const [, plain] = await tdata.readEncryptedFile(`${folder}/config`);
			return { plain: hex(plain) };
		}
		case "write-tdata": {
			const n = req.accounts.length;
			const tdata = await Tdata.create({
				path: req.path,
				passcode: req.passcode,
				keyData: { count: n, order: [...Array(n).keys()], active: 0 },
			});
			for (const [i, a] of req.accounts.entries()) {
				await tdata.writeMtpAuthorization(
					{
						userId: Long.fromString(a.userId),
						mainDcId: a.mainDcId,
						authKeys: a.keys.map((k) => ({ dcId: k.dcId, key: bytes(k.key) })),
						authKeysToDestroy: [],
					},
					i,
				);
				await tdata.writeEmptyMapFile(i);
			}
			return {};
		}
		case "read-mtkruto": {
			const s = parseMtkrutoSession(req.text);
			const data = convertFromMtkrutoSession(req.text);
			return {
				dcId: s.dcId,
				isTest: s.isTest,
				key: hex(s.authKey),
				ip: data.primaryDcs.main.ipAddress,
			};
		}
		case "write-mtkruto":
			return {
				text: serializeMtkrutoSession({
					dcId: req.dcId,
					isTest: req.isTest,
					authKey: bytes(req.key),
				}),
			};
		default:
			throw new Error(`unknown op ${req.op}`);
	}
}

process.stdout.write(JSON.stringify(await run(request)));
