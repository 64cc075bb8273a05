// The ferogram binary session format (FORMAT.md §2): v8 writer, v1–v8 reader.
export {
	type DecodedSession,
	type DecodeOptions,
	decodeSession,
	decodeSessionDetailed,
} from "./decode.js";
export { type EncodeOptions, encodedSize, encodeSession } from "./encode.js";
export { AUTH_KEY_LENGTH, SESSION_FORMAT_VERSION } from "./format.js";
export { crc32, type TrailerOptions } from "./trailer.js";
