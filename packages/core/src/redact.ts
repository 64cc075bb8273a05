/** A secret this short and made of word characters only could be an ordinary word. */
const WORD_LIKE = /^[\p{L}\p{N}_]{1,7}$/u;
const WORD_CHAR = "[\\p{L}\\p{N}_]";

/**
 * `text` with every occurrence of each secret (a password, a token, a passphrase) replaced by
 * `mask`: the one redaction every backend and tool uses before a message can leave the process.
 * A secret that looks like a word (under 8 letters or digits, e.g. the passphrase "the") is
 * replaced only where it stands alone, so it is not cut out of unrelated words ("o[redacted]r");
 * every other secret is replaced wherever it occurs. Longer secrets go first, so a secret that
 * contains another is masked whole. Empty secrets are ignored.
 */
export function redactSecrets(
	text: string,
	secrets: readonly string[],
	mask = "[redacted]",
): string {
	let out = text;
	const longestFirst = [...new Set(secrets)].filter((s) => s.length > 0);
	longestFirst.sort((a, b) => b.length - a.length);
	for (const secret of longestFirst) {
		if (!out.includes(secret)) continue;
		if (WORD_LIKE.test(secret)) {
			const alone = new RegExp(`(?<!${WORD_CHAR})${escapeRegExp(secret)}(?!${WORD_CHAR})`, "gu");
			out = out.replace(alone, () => mask);
		} else {
			out = out.split(secret).join(mask);
		}
	}
	return out;
}

function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
