export { IdbSessionBackend, type IdbSessionOptions } from "./backend.js";
export { IdbQuotaError } from "./errors.js";
export { lockName } from "./lease.js";
