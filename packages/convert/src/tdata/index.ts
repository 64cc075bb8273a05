export { TDATA_EXTENSION_KEYS } from "./account-session.js";
export { decodeTdf, encodeTdf, TDF_VERSION, type TdfFile } from "./container.js";
export type { AesBlockCipher, TdataCrypto } from "./crypto.js";
export {
	listTdataAccounts,
	readTdataFolder,
	type TdataAccountInput,
	type TdataExtra,
	type TdataFolderOptions,
	type TdataReadOptions,
	type TdataWriteOptions,
	writeTdataFolder,
} from "./folder.js";
export {
	accountDataName,
	derivePasscodeKey,
	PASSCODE_ITERATIONS,
	tdataFileName,
} from "./key-derivation.js";
export { decryptLocal, encryptLocal } from "./local-encryption.js";
export { decodeKeyData, encodeKeyData, type TdataKeyData } from "./local-key.js";
export {
	decodeMtpAuthorization,
	encodeMtpAuthorization,
	type TdataAuthKey,
	type TdataMtpAuthorization,
} from "./mtp-authorization.js";
export { nodeTdataCrypto } from "./node-crypto.js";
