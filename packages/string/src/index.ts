export { StringSessionBackend } from "./backend.js";
export type { StringOrigin, StringSessionOpenOptions, StringSessionOptions } from "./options.js";
