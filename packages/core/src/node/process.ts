/**
 * True when a process with this pid exists on this host. EPERM means it exists but belongs to
 * another user, which is still a live lock holder.
 */
export function isProcessAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === "EPERM";
	}
}
