import type { SessionBackend } from "@x/session-core";

/** `backend` whose first `failures` calls of `cachePeers` reject, as a backend that is down would. */
export function failingCachePeers<B extends SessionBackend>(backend: B, failures: number): B {
	let left = failures;
	return new Proxy(backend, {
		get(target, prop, receiver) {
			if (prop === "cachePeers" && left > 0)
				return async () => {
					left--;
					throw new Error("backend down");
				};
			const value = Reflect.get(target, prop, receiver);
			return typeof value === "function" ? value.bind(target) : value;
		},
	});
}
