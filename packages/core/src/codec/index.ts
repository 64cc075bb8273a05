export { type Base64Alphabet, base64Decode, base64Encode } from "./base64.js";
export {
	AUTH_KEY_LENGTH,
	type DecodedSession,
	type DecodeOptions,
	decodeSession,
	decodeSessionDetailed,
	encodedSize,
	encodeSession,
	SESSION_FORMAT_VERSION,
} from "./binary.js";
