export {
	type DecodeForeignOptions,
	type DetectedFormat,
	decodeForeignSession,
	detectSessionFormat,
	STRING_FORMATS,
} from "./detect.js";
export { ENCODABLE_FORMATS, type EncodeForeignOptions, encodeForeignSession } from "./encode.js";
export { BACKEND } from "./errors.js";
export {
	decodeGramjsString,
	encodeGramjsString,
	GRAMJS_MAX_ADDRESS_LENGTH,
	GRAMJS_MAX_PORT,
} from "./gramjs-string.js";
export type { HomeDcOptions } from "./home-dc.js";
export { type ConversionTarget, conversionLosses, type SourceFacts } from "./losses.js";
export {
	decodeMtcuteString,
	encodeMtcuteString,
	MTCUTE_STRING_VERSION,
	type MtcuteEncodeOptions,
} from "./mtcute-string.js";
export {
	decodeMtkrutoString,
	encodeMtkrutoString,
	type MtkrutoEncodeOptions,
} from "./mtkruto-string.js";
export {
	importPyrogramFile,
	PYROGRAM_STORAGE_VERSION,
	type PyrogramFileExtra,
} from "./pyrogram-file.js";
export {
	decodePyrogramString,
	encodePyrogramString,
	PYROGRAM_CURRENT_LENGTH,
	PYROGRAM_OLD32_LENGTH,
	PYROGRAM_OLD64_LENGTH,
	type PyrogramEncodeOptions,
} from "./pyrogram-string.js";
export * from "./tdata/index.js";
export {
	exportTelethonFile,
	type TelethonExportOptions,
	type TelethonExportReport,
} from "./telethon-export.js";
export {
	importTelethonFile,
	TELETHON_SESSION_VERSION,
	type TelethonFileExtra,
} from "./telethon-file.js";
export { decodeTelethonString, encodeTelethonString } from "./telethon-string.js";
export type * from "./types.js";
