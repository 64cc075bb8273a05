// Injected by build.mjs: GramJS reads the global Buffer (a Node global) when it loads.
export { Buffer } from "buffer";
