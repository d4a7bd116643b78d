import { describe, expect, it } from 'vitest';
import { anyCheckAnswered, IceRoute } from '../../src/lib/media/ice-route.js';
import { connectionPath } from '../../src/lib/media/connection-path.js';

const stun = { urls: ['stun:turn.example.org:3478'] };
const turn = { urls: ['turns:turn.example.org:443?transport=tcp'], username: '1900000000:peer', credential: 'x' };

/** An RTCStatsReport-like map of the given stats. */
const report = (...stats: Record<string, unknown>[]) => new Map(stats.map((s) => [s.id as string, s])) as unknown as RTCStatsReport;

describe('the ICE route of a media transport', () => {
	it('goes direct first with TURN left out, relay-only after a failure, and direct again after a failed relay', () => {
		const route = new IceRoute();
		expect(route.options([stun, turn])).toEqual({ iceServers: [stun], iceTransportPolicy: 'all' });
		route.failed([stun, turn]);
		expect(route.options([stun, turn])).toEqual({ iceServers: [stun, turn], iceTransportPolicy: 'relay' });
		route.failed([stun, turn]);
		expect(route.options([stun, turn]).iceTransportPolicy).toBe('all');
	});

	it('stays direct when there is no TURN server to relay through', () => {
		const route = new IceRoute();
		route.failed([stun]);
		expect(route.options([stun])).toEqual({ iceServers: [stun], iceTransportPolicy: 'all' });
	});
});

describe('the connection path read from stats', () => {
	const sfuUdp = { id: 'r1', type: 'remote-candidate', protocol: 'udp', candidateType: 'host' };
	const sfuTcp = { id: 'r2', type: 'remote-candidate', protocol: 'tcp', candidateType: 'host' };
	const host = { id: 'l1', type: 'local-candidate', protocol: 'udp', candidateType: 'host' };
	const relay = { id: 'l2', type: 'local-candidate', protocol: 'udp', candidateType: 'relay', relayProtocol: 'tls' };

	it('reads Chromium’s selected pair from its transport stats', () => {
		const stats = report(
			{ id: 't', type: 'transport', selectedCandidatePairId: 'p2' },
			{ id: 'p1', type: 'candidate-pair', localCandidateId: 'l1', remoteCandidateId: 'r1' },
			{ id: 'p2', type: 'candidate-pair', localCandidateId: 'l1', remoteCandidateId: 'r2' },
			host,
			sfuUdp,
			sfuTcp
		);
		expect(connectionPath(stats)).toEqual({ kind: 'tcp' });
	});

	it('reads Firefox’s pair marked selected, and names the relay’s protocol', () => {
		const stats = report({ id: 'p1', type: 'candidate-pair', localCandidateId: 'l2', remoteCandidateId: 'r1', selected: true }, relay, sfuUdp);
		expect(connectionPath(stats)).toEqual({ kind: 'relay', protocol: 'tls' });
		expect(connectionPath(report({ id: 'p1', type: 'candidate-pair', localCandidateId: 'l1', remoteCandidateId: 'r1', selected: true }, host, sfuUdp))).toEqual({ kind: 'udp' });
	});

	it('says nothing before a pair is selected', () => {
		expect(connectionPath(report({ id: 'p1', type: 'candidate-pair', localCandidateId: 'l1', remoteCandidateId: 'r1' }, host, sfuUdp))).toBeNull();
	});
});

describe('whether a direct attempt got any answer', () => {
	it('sees Chromium’s answered checks and Firefox’s succeeded pairs, and silence as silence', () => {
		expect(anyCheckAnswered(report({ id: 'p1', type: 'candidate-pair', state: 'in-progress', requestsSent: 9, responsesReceived: 1 }))).toBe(true);
		expect(anyCheckAnswered(report({ id: 'p1', type: 'candidate-pair', state: 'succeeded' }))).toBe(true);
		expect(anyCheckAnswered(report({ id: 'p1', type: 'candidate-pair', state: 'in-progress', requestsSent: 9, responsesReceived: 0 }))).toBe(false);
		expect(anyCheckAnswered(report({ id: 't', type: 'transport' }))).toBe(false);
	});
});
