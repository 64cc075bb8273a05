export { LibsqlSessionBackend, type LibsqlSessionOptions } from "./backend.js";
export {
	displayUrl,
	type LibsqlConnectOptions,
	type LibsqlDriver,
	libsqlDriver,
} from "./driver.js";
