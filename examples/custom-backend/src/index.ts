export { JsonFileSessionBackend, type JsonFileSessionOptions } from "./json-file-backend.js";
