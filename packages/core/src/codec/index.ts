export { type Base64Alphabet, base64Decode, base64Encode } from "./base64.js";
export {
	AUTH_KEY_LENGTH,
	crc32,
	type DecodedSession,
	type DecodeOptions,
	decodeSession,
	decodeSessionDetailed,
	type EncodeOptions,
	encodedSize,
	encodeSession,
	SESSION_FORMAT_VERSION,
	type TrailerOptions,
} from "./binary.js";
