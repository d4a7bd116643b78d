import { execFileSync } from 'node:child_process';

/**
 * Network namespaces the tests make for themselves. Nothing in them is linked to the machine's own
 * network, so their traffic cannot leave it; their addresses (from 198.51.100.0/24, a range for
 * documentation) exist only inside. A namespace has its own ports, so a server in it runs on its
 * defaults (3000, 40000, 1935) beside anything else on the machine.
 */
export class Netns {
	private constructor(readonly name: string) {}

	/** A fresh namespace with only loopback up. Namespaces left by a test process that died are removed first. */
	static create(label: string): Netns {
		removeAbandoned();
		const ns = new Netns(`gs${process.pid}-${label}-${counter++}`);
		ip('netns', 'add', ns.name);
		ip('-n', ns.name, 'link', 'set', 'lo', 'up');
		return ns;
	}

	/** The argv prefix that runs a command inside this namespace. */
	command(argv: string[]): string[] {
		return ['ip', 'netns', 'exec', this.name, ...argv];
	}

	/** Runs a command inside the namespace and returns what it printed. */
	run(argv: string[], input?: string): string {
		return execFileSync('ip', ['netns', 'exec', this.name, ...argv], { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
	}

	/**
	 * Gives the namespace a network address, the way a laptop has its Wi-Fi address: on one end of
	 * a cable (veth) whose other end stays unplugged inside the namespace, so what it sends anywhere
	 * but to itself goes nowhere. (Not a dummy interface: not every kernel here has that module.)
	 */
	addAddress(address: string): void {
		ip('-n', this.name, 'link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', 'unplugged0');
		ip('-n', this.name, 'addr', 'add', `${address}/24`, 'dev', 'lan0');
		ip('-n', this.name, 'link', 'set', 'unplugged0', 'up');
		ip('-n', this.name, 'link', 'set', 'lan0', 'up');
		ip('-n', this.name, 'route', 'add', 'default', 'dev', 'lan0');
	}

	/** Loads an nftables ruleset into this namespace only. */
	firewall(ruleset: string): void {
		this.run(['nft', '-f', '-'], ruleset);
	}

	close(): void {
		try {
			ip('netns', 'del', this.name);
		} catch {
			// already gone
		}
	}
}

/**
 * Joins two namespaces with a cable (a veth pair, `lan0` on both sides): `a` gets `addressA`, `b`
 * gets `addressB` and routes everything through `a`, like a laptop behind its router.
 */
export function connect(a: Netns, addressA: string, b: Netns, addressB: string): void {
	ip('link', 'add', 'lan0', 'netns', a.name, 'type', 'veth', 'peer', 'name', 'lan0', 'netns', b.name);
	ip('-n', a.name, 'addr', 'add', `${addressA}/24`, 'dev', 'lan0');
	ip('-n', b.name, 'addr', 'add', `${addressB}/24`, 'dev', 'lan0');
	ip('-n', a.name, 'link', 'set', 'lan0', 'up');
	ip('-n', b.name, 'link', 'set', 'lan0', 'up');
	ip('-n', b.name, 'route', 'add', 'default', 'via', addressA);
}

let counter = 0;

function ip(...args: string[]): void {
	execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Namespaces named after a process that no longer runs. */
function removeAbandoned(): void {
	const names = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
		.split('\n')
		.map((line) => line.split(' ')[0]!)
		.filter(Boolean);
	for (const name of names) {
		const pid = /^gs(\d+)-/.exec(name)?.[1];
		if (pid && !alive(Number(pid))) execFileSync('ip', ['netns', 'del', name]);
	}
}

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}
