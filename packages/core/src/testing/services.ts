/**
 * For tests that need a real server: resolves `true` when `probe` succeeds. When it fails, resolves
 * `false` (skip) unless `REQUIRE_SERVICES` is set, in which case it throws so CI fails instead of
 * passing quietly.
 */
export async function serviceAvailable(
	name: string,
	probe: () => Promise<unknown>,
): Promise<boolean> {
	try {
		await probe();
		return true;
	} catch (cause) {
		if (process.env.REQUIRE_SERVICES) {
			throw new Error(`${name} is required (REQUIRE_SERVICES is set) but does not answer`, {
				cause,
			});
		}
		return false;
	}
}
