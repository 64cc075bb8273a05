// Not a test: measures what the replica wait costs per write, on a 3 + 3 cluster it starts and
// removes. Run from the repository root:
//   node --conditions=@x/source --import tsx packages/redis/test/measure-replica-wait.ts
// Prints ops/s of applyUpdateState on one session, one at a time and 16 in flight, with
// waitForReplicas off and at its Cluster default, three rounds each.
import { RedisSessionBackend } from "../src/index.js";
import { ReplicatedCluster } from "./replicated-cluster.js";

const RUN_MS = 4000;
const cluster = await ReplicatedCluster.start();
const client = cluster.client();

async function measure(wait: boolean, inFlight: number, round: number): Promise<void> {
	const b = await RedisSessionBackend.open({
		client,
		prefix: "measure",
		sessionId: `${wait}-${inFlight}-${round}`,
		...(wait ? {} : { waitForReplicas: false as const }),
	});
	for (let i = 0; i < 200; i++)
		await b.applyUpdateState({ type: "primary", pts: i, date: i, seq: i });
	let n = 0;
	const end = Date.now() + RUN_MS;
	await Promise.all(
		Array.from({ length: inFlight }, async () => {
			for (; Date.now() < end; n++)
				await b.applyUpdateState({ type: "primary", pts: n, date: n, seq: n });
		}),
	);
	const label = wait ? `WAIT ${JSON.stringify(b.waitForReplicas)}` : "no wait";
	await b.close();
	console.log(`${label}, ${inFlight} in flight: ${Math.round(n / (RUN_MS / 1000))} ops/s`);
}

try {
	for (let round = 0; round < 3; round++)
		for (const inFlight of [1, 16])
			for (const wait of [false, true]) await measure(wait, inFlight, round);
} finally {
	client.disconnect();
	await cluster.destroy();
}
