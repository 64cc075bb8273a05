// What cluster refusals map to, how the default replica wait reads CLUSTER NODES, and what a
// holder that lost its lease is told. Pure functions: no server needed.
import { SessionConnectionError, SessionLockedError } from "@x/session-core";
import { describe, expect, it } from "vitest";
import { clusterRefusal } from "../src/cluster-refusal.js";
import { toSessionError, wasRefused } from "../src/errors.js";
import { leaseLostError, parseLeaseLoss } from "../src/lease-holder.js";
import { nodesShowReplicas, slotsShowReplicas } from "../src/replica-default.js";

const reply = (message: string) => Object.assign(new Error(message), { name: "ReplyError" });

describe("cluster refusals", () => {
	it("are CONNECTION (not applied), also when ioredis gave up redirecting", () => {
		for (const message of [
			"MOVED 3999 127.0.0.1:7001",
			"ASK 3999 127.0.0.1:7001",
			"CLUSTERDOWN The cluster is down",
			"TRYAGAIN Multiple keys request during rehashing of slot",
			"READONLY You can't write against a read only replica.",
			"Too many Cluster redirections. Last error: ReplyError: MOVED 3999 127.0.0.1:7001",
			"Too many Cluster redirections. Last error: ReplyError: CLUSTERDOWN Hash slot not served",
		]) {
			const e = toSessionError(reply(message), "setHomeDc", []);
			expect(e, message).toBeInstanceOf(SessionConnectionError);
			expect(e.code, message).toBe("CONNECTION");
			expect(wasRefused(e), message).toBe(true);
			expect(e.message).toMatch(/was not applied/);
		}
	});

	it("a redirect given up on a lost connection stays an unknown outcome for a sent write", () => {
		const e = toSessionError(
			new Error("Too many Cluster redirections. Last error: Error: Connection is closed."),
			"setHomeDc",
			[],
		);
		expect(e.code).toBe("CONNECTION");
		expect(wasRefused(e)).toBe(false);
	});

	it("names the slot and node of MOVED", () => {
		expect(clusterRefusal("MOVED 12 10.0.0.1:6380")).toEqual({
			kind: "MOVED",
			slot: 12,
			node: "10.0.0.1:6380",
		});
		expect(clusterRefusal("ERR unknown command")).toBeUndefined();
	});
});

describe("the default replica wait", () => {
	const line = (id: string, port: number, flags: string, master = "-", slots = "") =>
		`${id} 127.0.0.1:${port}@${port + 10000} ${flags} ${master} 0 0 1 connected ${slots}`.trim();

	it("is on when CLUSTER NODES shows a replica, or a failed master whose slots were taken over", () => {
		const masters = [
			line("a", 7000, "myself,master", "-", "0-5460"),
			line("b", 7001, "master", "-", "5461-10922"),
			line("c", 7002, "master", "-", "10923-16383"),
		];
		expect(nodesShowReplicas(masters.join("\n"))).toBe(false);
		// a master of a cluster without replicas is down: it keeps its slots, nobody replaces it
		expect(
			nodesShowReplicas(
				[...masters.slice(0, 2), `${line("c", 7002, "master,fail", "-")} 10923-16383`].join("\n"),
			),
		).toBe(false);
		expect(nodesShowReplicas([...masters, line("d", 7003, "slave", "a")].join("\n"))).toBe(true);
		// the replica took over, its old master is dead and has no slots any more
		expect(nodesShowReplicas([...masters, line("d", 7003, "master,fail", "-")].join("\n"))).toBe(
			true,
		);
	});

	it("are read from the client's slot map first (no command that could reach a paused node)", () => {
		const slots: string[][] = [];
		expect(slotsShowReplicas(slots)).toBe(false); // no map yet: CLUSTER NODES is asked
		slots[0] = ["127.0.0.1:7000"];
		slots[16383] = ["127.0.0.1:7002"];
		expect(slotsShowReplicas(slots)).toBe(false);
		slots[9000] = ["127.0.0.1:7001", "127.0.0.1:7004"];
		expect(slotsShowReplicas(slots)).toBe(true);
	});
});

describe("a holder that lost its lease", () => {
	it("is told another holder took over, with the token and the holder when there is one", () => {
		const taken = leaseLostError(
			"setHomeDc",
			parseLeaseLoss("XSLEASE taken 7 xs1|7|42|box|worker-2"),
		);
		expect(taken).toBeInstanceOf(SessionLockedError);
		expect(taken.message).toMatch(
			/another holder took over this session \(fencing token 7\); it is held by pid 42 on host box \(owner worker-2\)/,
		);
		expect(taken.holder?.owner).toBe("worker-2");
		const released = leaseLostError("setHomeDc", parseLeaseLoss("XSLEASE taken 7 "));
		expect(released.message).toMatch(/another holder took over .*nobody holds it at this moment/);
		const expired = leaseLostError("setHomeDc", parseLeaseLoss("XSLEASE expired"));
		expect(expired.message).toMatch(/lease expired .* never taken back/);
	});
});
