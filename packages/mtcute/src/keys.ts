/** Where the adapter keeps what the typed model cannot hold, in the backend's extension area. */
export const MTCUTE_KEYS = {
	/** Every key-value entry mtcute writes, as written (`mtcute:kv:dc_main`, …). */
	kv: "mtcute:kv:",
	/** Permanent auth keys by DC (also in the DC entries, for other readers). */
	authKey: "mtcute:key:",
	/** Temporary (PFS) keys: `mtcute:temp:<dc>:<idx>`. */
	tempKey: "mtcute:temp:",
	/** Reference messages, in `REF_BUCKETS` buckets by peer id. */
	refs: "mtcute:refs:",
	/** The adapter's format version, written with the first save. */
	format: "mtcute:format",
} as const;

/** The value of {@link MTCUTE_KEYS.format}. */
export const FORMAT_VALUE = new Uint8Array([1]);
/** Every extension key of the adapter starts with this. */
export const NAMESPACE = "mtcute:";
/** mtcute's key-value names of the four update-state counters, in the model's order. */
export const COUNTERS = ["updates_pts", "updates_qts", "updates_date", "updates_seq"] as const;
/** mtcute's key-value name prefix of a channel's pts. */
export const CHANNEL_PTS = "updates_channel:";
