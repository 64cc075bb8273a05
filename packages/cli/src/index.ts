export type { Io } from "./context.js";
export { CliError, EXIT, type ExitCode } from "./errors.js";
export { FOREIGN_FORMATS, type Location, parseLocation } from "./location.js";
export type { InspectReport } from "./report.js";
export { run } from "./run.js";
