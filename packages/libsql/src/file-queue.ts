import { createDatabaseQueue } from "@x/session-core/node";

/**
 * One queue per local database file in this process (its real path), whichever connection or
 * session runs the task, and per client for the @libsql/client driver. A local libSQL connection
 * blocks the thread while it waits for a lock, so two connections to one file must not interleave
 * their transactions; and sessions sharing one connection must not either (a statement of one
 * would land in the other's transaction).
 */
export const fileQueue = createDatabaseQueue();
