export {
	type CompactSession,
	compactFromSession,
	compactToSession,
	decodeCompactString,
	encodeCompactString,
} from "./compact.js";
export { type DecodedSessionString, decodeSessionString } from "./detect.js";
export { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from "./ip.js";
export {
	decodeNativeString,
	decodeNativeStringDetailed,
	encodeNativeString,
	type NativeStringOptions,
} from "./native.js";
