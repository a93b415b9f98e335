// A real coturn TURN server for end-to-end tests (issue 16): `turnserver` with the TURN REST scheme
// (`use-auth-secret`), started inside a namespace of the NAT lab (netns.ts), logging verbosely to stdout so a
// test can see each allocation, permission and channel, with nftables counters on its ports in that namespace
// for the bytes it moved. (coturn logs an allocation's byte counts only every 4096 packets and when it ends,
// and libjuice never ends one early: it lets it expire. The kernel's counters are exact at any time.)
// Test support, Node only.
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { stopProcessGroup } from "../../scripts/process-group";
import { nft, type NatLab } from "./netns";

/** UDP bytes (IP packets) through the TURN server: with its clients on the listening port, with peers on relay ports. */
export type TurnTraffic = { fromClients: number; toClients: number; fromPeers: number; toPeers: number };

const RELAY_PORTS = { min: 49152, max: 49999 };

export type Coturn = {
  /** The URL peers put in their ICE servers: `turn:<address>:<port>?transport=udp`. */
  url: string;
  realm: string;
  /** Everything the server logged so far. */
  log: () => string;
  /** Resolves once the log so far (from the start) matches `pattern`; rejects after `timeoutMs`. */
  waitForLog: (pattern: RegExp, timeoutMs: number, what: string) => Promise<RegExpMatchArray>;
  /** Resolves with the first value other than undefined `read` finds in the log, re-read at each new line. */
  waitUntil: <T>(read: (log: string) => T | undefined, timeoutMs: number, what: string) => Promise<T>;
  /** The counters so far. */
  traffic: () => Promise<TurnTraffic>;
  stop: () => Promise<void>;
};

export async function startCoturn(
  lab: NatLab,
  options: { ns: string; address: string; secret: string; realm?: string; port?: number; timeoutMs?: number },
): Promise<Coturn> {
  const realm = options.realm ?? "edgeswarm.test";
  const port = options.port ?? 3478;
  // Its pid file and database stay out of /var: several runs (and a system coturn) must not collide.
  const dir = await mkdtemp(path.join(tmpdir(), "edgeswarm-coturn-"));
  const args = [
    "-n", // no config file: everything is on this command line
    "--listening-ip", options.address,
    "--relay-ip", options.address,
    "--listening-port", String(port),
    "--min-port", String(RELAY_PORTS.min),
    "--max-port", String(RELAY_PORTS.max),
    "--use-auth-secret",
    "--static-auth-secret", options.secret,
    "--realm", realm,
    "--no-cli",
    "--no-tls",
    "--no-dtls",
    "--no-tcp-relay",
    "--fingerprint",
    "--verbose",
    "--log-file", "stdout",
    "--simple-log",
    "--pidfile", path.join(dir, "turnserver.pid"),
    "--db", path.join(dir, "turndb"),
  ];
  const child: ChildProcess = lab.spawnIn(options.ns, "turnserver", args);
  let log = "";
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    log += chunk.toString();
    for (const check of [...waiters]) check();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);

  const waitUntil = <T>(read: (log: string) => T | undefined, timeoutMs: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const timeout = () => finish(new Error(`timed out after ${timeoutMs} ms waiting for coturn to log ${what}; its log:\n${log}`));
      const timer = setTimeout(timeout, timeoutMs);
      const onExit = (code: number | null) => finish(new Error(`coturn exited (${code}) before logging ${what}; its log:\n${log}`));
      const check = () => {
        const value = read(log);
        if (value !== undefined) finish(undefined, value);
      };
      function finish(error?: Error, value?: T) {
        clearTimeout(timer);
        waiters.delete(check);
        child.off("exit", onExit);
        if (error) reject(error);
        else resolve(value as T);
      }
      waiters.add(check);
      child.once("exit", onExit);
      check();
    });

  const waitForLog = (pattern: RegExp, timeoutMs: number, what: string) => waitUntil((text) => pattern.exec(text) ?? undefined, timeoutMs, what);

  const stop = async () => {
    await stopProcessGroup(child, 3_000);
    await rm(dir, { recursive: true, force: true });
  };

  const relays = `${RELAY_PORTS.min}-${RELAY_PORTS.max}`;
  const traffic = async (): Promise<TurnTraffic> => {
    const text = await lab.execIn(options.ns, "nft", ["list", "counters", "table", "ip", "edgeswarm_turn"]);
    const bytes = Object.fromEntries([...text.matchAll(/counter (\w+) \{\s*packets \d+ bytes (\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
    return { fromClients: bytes.from_clients ?? 0, toClients: bytes.to_clients ?? 0, fromPeers: bytes.from_peers ?? 0, toPeers: bytes.to_peers ?? 0 };
  };

  try {
    await nft(
      options.ns,
      `table ip edgeswarm_turn {
        counter from_clients {}
        counter to_clients {}
        counter from_peers {}
        counter to_peers {}
        chain input {
          type filter hook input priority filter; policy accept;
          ip daddr ${options.address} udp dport ${port} counter name "from_clients"
          ip daddr ${options.address} udp dport ${relays} counter name "from_peers"
        }
        chain output {
          type filter hook output priority filter; policy accept;
          ip saddr ${options.address} udp sport ${port} counter name "to_clients"
          ip saddr ${options.address} udp sport ${relays} counter name "to_peers"
        }
      }`,
    );
    const listening = new RegExp(`UDP listener opened on\\s*:\\s*${options.address.replace(/\./g, "\\.")}:${port}`);
    await waitForLog(listening, options.timeoutMs ?? 10_000, "its UDP listener");
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `turn:${options.address}:${port}?transport=udp`, realm, log: () => log, waitForLog, waitUntil, traffic, stop };
}
