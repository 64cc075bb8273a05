// How an encrypted envelope starts, apart from the cipher: the write-time checks test for it, and
// keeping it here keeps WebCrypto code out of a bundle that only encodes and decodes sessions.

/** The first bytes of every envelope: "XSE". */
export const ENVELOPE_MAGIC = [0x58, 0x53, 0x45] as const;

/** True when `bytes` start like an envelope `SessionCipher` writes. */
export function isEncryptedEnvelope(bytes: Uint8Array): boolean {
	return (
		bytes.length >= 6 &&
		bytes[0] === ENVELOPE_MAGIC[0] &&
		bytes[1] === ENVELOPE_MAGIC[1] &&
		bytes[2] === ENVELOPE_MAGIC[2]
	);
}
