/**
 * Which way media reaches this browser: `udp` straight from the SFU (the normal case), `tcp` to
 * the SFU's TCP port (the network blocks UDP), or `relay` through a TURN server, over `udp`,
 * `tcp` or `tls` (the network allows neither).
 */
export type ConnectionPath = { kind: 'udp' | 'tcp' } | { kind: 'relay'; protocol: 'udp' | 'tcp' | 'tls' };

type Stat = { type: string; id: string; [key: string]: unknown };

/** Reads the path of the selected ICE candidate pair from a transport's stats (Chromium's or Firefox's). */
export function connectionPath(stats: RTCStatsReport): ConnectionPath | null {
	const all = [...(stats as unknown as Map<string, Stat>).values()];
	const selectedId = all.find((s) => s.type === 'transport' && s.selectedCandidatePairId)?.selectedCandidatePairId;
	// Firefox has no transport stats: it marks the pair itself.
	const pair = all.find((s) => s.type === 'candidate-pair' && (s.id === selectedId || (!selectedId && s.selected === true)));
	if (!pair) return null;
	const local = stats.get(pair.localCandidateId as string) as Stat | undefined;
	const remote = stats.get(pair.remoteCandidateId as string) as Stat | undefined;
	if (local?.candidateType === 'relay') {
		const protocol = local.relayProtocol;
		return { kind: 'relay', protocol: protocol === 'tcp' || protocol === 'tls' ? protocol : 'udp' };
	}
	return { kind: (remote?.protocol ?? local?.protocol) === 'tcp' ? 'tcp' : 'udp' };
}
