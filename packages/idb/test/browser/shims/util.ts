// node:util's inspect for the conformance suite in Chromium: renders what Node would show of an
// object (own fields, custom inspect hooks such as SecretBytes', an error's message and stack),
// so the suite's "no secret is shown" checks read the same text they read in Node.
const custom = Symbol.for("nodejs.util.inspect.custom");

export function inspect(value: unknown, _options?: unknown, seen = new Set<unknown>()): string {
	if (typeof value === "bigint") return `${value}n`;
	if (typeof value === "string") return JSON.stringify(value);
	if (typeof value !== "object" || value === null) return String(value);
	if (seen.has(value)) return "[Circular]";
	seen.add(value);
	const hook = (value as Record<symbol, unknown>)[custom];
	if (typeof hook === "function") return String(hook.call(value, 2, {}, inspect));
	if (ArrayBuffer.isView(value))
		return `${value.constructor.name}(${(value as Uint8Array).length}) [${Array.from(value as Uint8Array).join(", ")}]`;
	const parts: string[] = [];
	if (value instanceof Error) parts.push(value.stack ?? `${value.name}: ${value.message}`);
	if (value instanceof Map)
		for (const [k, v] of value) parts.push(`${inspect(k, 0, seen)} => ${inspect(v, 0, seen)}`);
	for (const key of Object.keys(value))
		parts.push(`${key}: ${inspect((value as Record<string, unknown>)[key], 0, seen)}`);
	if (value instanceof Error && value.cause !== undefined)
		parts.push(`[cause]: ${inspect(value.cause, 0, seen)}`);
	return `${value.constructor?.name ?? "Object"} { ${parts.join(", ")} }`;
}
