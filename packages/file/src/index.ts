export { FileSessionBackend } from "./backend.js";
export { type FileSystem, nodeFileSystem } from "./fs.js";
export type { FileSessionOptions } from "./options.js";
