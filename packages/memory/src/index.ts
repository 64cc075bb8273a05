export { MemorySessionBackend, type MemorySessionOptions } from "./backend.js";
