export { FileSessionBackend, type FileSessionOptions } from "./file-backend.js";
export { type FileSystem, nodeFileSystem } from "./fs.js";
