// Helpers the extension and lookup groups share.
import type { SecretBytes } from "../../secret.js";
import type { CachedPeer, PeerMeta } from "../../types.js";

export const meta = (
	usernames: string[],
	phone: string | null = null,
	over: Partial<PeerMeta> = {},
) =>
	({ usernames, phone, name: null, updatedAt: 0, isMin: false, data: null, ...over }) as PeerMeta;
export const withMeta = (peer: CachedPeer, m: PeerMeta): CachedPeer => ({ ...peer, meta: m });
export const bytes = (s: SecretBytes | null) => (s ? Array.from(s.expose()) : null);
