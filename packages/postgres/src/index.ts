export { PostgresSessionBackend, type PostgresSessionOptions } from "./backend.js";
export { postgresDialect } from "./dialect.js";
export { displayConnection, type PostgresConnectOptions, postgresDriver } from "./driver.js";
export { POSTGRES_MIGRATIONS } from "./migrations.js";
