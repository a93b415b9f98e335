// A throwaway NAT lab in Linux network namespaces for end-to-end tests (issue 16): two home networks, each a
// peer behind its own NAT router, and a "wan" namespace between them that holds the public services (a TURN
// server, the tracker's address). Needs root, `ip` (iproute2) and `nft` (nftables). Test support, Node only.
//
//   peer a 192.168.1.2 ─ lan0 [router a: nft masquerade] wan0 100.64.1.2 ─┐
//                                                                           wan: 100.64.0.1 on lo, forwarding off,
//   peer b 192.168.2.2 ─ lan0 [router b: nft masquerade] wan0 100.64.2.2 ─┘  default route to "world" (a sink)
//
// The wan namespace does not forward, so nothing a peer sends reaches the other home network or the other
// router's public address: the only way between the peers is through a service in wan. Links are created inside
// their namespaces (never in the host's), and every namespace name carries the creating process id, so a later
// run removes what a killed one left behind.
import { execFile, spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { access, constants } from "node:fs/promises";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The address every public service of the lab listens on (inside the wan namespace). */
export const PUBLIC_ADDRESS = "100.64.0.1";

export type Side = "a" | "b";

export type NatLab = {
  /** Namespace names. */
  wan: string;
  router: Record<Side, string>;
  peer: Record<Side, string>;
  /** Each peer's own (private) address and its router's public one. */
  address: Record<Side, { private: string; public: string }>;
  /** Starts `command` inside namespace `ns`; the process is killed by `destroy()` if still running. */
  spawnIn(ns: string, command: string, args: string[], options?: SpawnOptions): ChildProcess;
  /** Runs a command inside `ns` to completion; rejects with its stderr when it fails. */
  execIn(ns: string, command: string, args: string[]): Promise<string>;
  /** Kills what `spawnIn` started and deletes every namespace (with its links and nft rules). Idempotent. */
  destroy(): Promise<void>;
};

const PREFIX = "esnat";

/**
 * Throws, naming what is missing, unless this process can build the lab: root, `ip`, `nft`, and any `extra`
 * executables the caller needs (e.g. turnserver). Tests call it first so a missing piece fails them loudly.
 */
export async function checkNatLabPrerequisites(extra: string[] = []): Promise<void> {
  const problems: string[] = [];
  if (process.getuid?.() !== 0) problems.push("not running as root (network namespaces need CAP_NET_ADMIN)");
  for (const tool of ["ip", "nft", ...extra]) {
    if (!(await which(tool))) problems.push(`\`${tool}\` not found on PATH`);
  }
  if (problems.length > 0) {
    throw new Error(`the NAT lab cannot run: ${problems.join("; ")}. Install with: apt-get install -y iproute2 nftables coturn (as root)`);
  }
}

export async function which(tool: string): Promise<string | null> {
  for (const dir of (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/sbin"])) {
    if (!dir) continue;
    const candidate = `${dir}/${tool}`;
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return null;
}

export async function createNatLab(): Promise<NatLab> {
  await removeStaleLabs();
  const tag = `${PREFIX}-${process.pid}-${Math.random().toString(16).slice(2, 8)}`;
  const wan = `${tag}-wan`;
  const world = `${tag}-world`;
  const router = { a: `${tag}-ra`, b: `${tag}-rb` };
  const peer = { a: `${tag}-a`, b: `${tag}-b` };
  const address = {
    a: { private: "192.168.1.2", public: "100.64.1.2" },
    b: { private: "192.168.2.2", public: "100.64.2.2" },
  };
  const namespaces = [world, wan, router.a, router.b, peer.a, peer.b];
  const children = new Set<ChildProcess>();
  const created: string[] = [];

  const ip = (...args: string[]) => run("ip", args).then(({ stdout }) => stdout);
  const execIn = async (ns: string, command: string, args: string[]) => {
    try {
      return (await run("ip", ["netns", "exec", ns, command, ...args])).stdout;
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? "";
      throw new Error(`in ${ns}: ${command} ${args.join(" ")} failed: ${stderr || String(error)}`);
    }
  };

  let destroying: Promise<void> | null = null;
  const destroy = () =>
    (destroying ??= (async () => {
      // Processes inside keep a namespace alive after its name is gone: end them first.
      await Promise.all([...children].map(killTree));
      for (const ns of created.reverse()) await ip("netns", "del", ns).catch(() => undefined);
    })());

  try {
    for (const ns of namespaces) {
      await ip("netns", "add", ns);
      created.push(ns);
      await ip("-n", ns, "link", "set", "lo", "up");
    }
    await ip("-n", wan, "addr", "add", `${PUBLIC_ADDRESS}/32`, "dev", "lo");
    // The rest of the world: wan's default route leads into a namespace that forwards nothing. As on the
    // internet, a packet to a private address nobody routes is lost without an error. Without it the TURN
    // server's relay gets ENETUNREACH sending ICE checks to a peer's host candidate, and coturn then closes that
    // allocation. (The `dummy` link type would do, but not every kernel has it.)
    await ip("-n", wan, "link", "add", "world", "type", "veth", "peer", "name", "eth0", "netns", world);
    await ip("-n", wan, "addr", "add", "100.64.255.1/30", "dev", "world");
    await ip("-n", wan, "link", "set", "world", "up");
    await ip("-n", world, "addr", "add", "100.64.255.2/30", "dev", "eth0");
    await ip("-n", world, "link", "set", "eth0", "up");
    await ip("-n", wan, "route", "add", "default", "via", "100.64.255.2");

    for (const side of ["a", "b"] as const) {
      const n = side === "a" ? 1 : 2;
      // wan ↔ router: created inside wan, its far end moved straight into the router's namespace.
      await ip("-n", wan, "link", "add", `to-${side}`, "type", "veth", "peer", "name", "wan0", "netns", router[side]);
      await ip("-n", wan, "addr", "add", `100.64.${n}.1/24`, "dev", `to-${side}`);
      await ip("-n", wan, "link", "set", `to-${side}`, "up");
      await ip("-n", router[side], "addr", "add", `${address[side].public}/24`, "dev", "wan0");
      await ip("-n", router[side], "link", "set", "wan0", "up");
      await ip("-n", router[side], "route", "add", "default", "via", `100.64.${n}.1`);
      // router ↔ peer
      await ip("-n", router[side], "link", "add", "lan0", "type", "veth", "peer", "name", "eth0", "netns", peer[side]);
      await ip("-n", router[side], "addr", "add", `192.168.${n}.1/24`, "dev", "lan0");
      await ip("-n", router[side], "link", "set", "lan0", "up");
      await ip("-n", peer[side], "addr", "add", `${address[side].private}/24`, "dev", "eth0");
      await ip("-n", peer[side], "link", "set", "eth0", "up");
      await ip("-n", peer[side], "route", "add", "default", "via", `192.168.${n}.1`);
      // A home router: forwards and masquerades what goes out, lets in only replies (stateful), drops the rest.
      await execIn(router[side], "sh", ["-c", "echo 1 > /proc/sys/net/ipv4/ip_forward"]);
      await nft(router[side], NAT_RULES);
    }
  } catch (error) {
    await destroy();
    throw error;
  }

  return {
    wan,
    router,
    peer,
    address,
    execIn,
    spawnIn(ns, command, args, options = {}) {
      // Own process group, so killTree takes down what the command starts too.
      const child = spawn("ip", ["netns", "exec", ns, command, ...args], { stdio: ["ignore", "pipe", "pipe"], ...options, detached: true });
      children.add(child);
      child.once("exit", () => children.delete(child));
      return child;
    },
    destroy,
  };
}

const NAT_RULES = `
table ip edgeswarm_nat {
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    iifname "lan0" oifname "wan0" accept
  }
  chain postrouting {
    type nat hook postrouting priority srcnat;
    oifname "wan0" masquerade
  }
}
`;

/** Loads an nftables ruleset into namespace `ns` (it goes with the namespace). */
export async function nft(ns: string, rules: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn("ip", ["netns", "exec", ns, "nft", "-f", "-"], { stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`nft in ${ns} failed (${code}): ${stderr}`))));
    child.stdin.end(rules);
  });
}

function killTree(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => signal("SIGKILL"), 3_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    signal("SIGTERM");
    function signal(name: NodeJS.Signals) {
      try {
        process.kill(-child.pid!, name);
      } catch {
        // already gone
      }
    }
  });
}

/** Deletes lab namespaces whose creating process has died (a run killed before its cleanup ran). */
async function removeStaleLabs(): Promise<void> {
  const { stdout } = await run("ip", ["netns", "list"]);
  for (const line of stdout.split("\n")) {
    const name = line.split(" ")[0] ?? "";
    const match = new RegExp(`^${PREFIX}-(\\d+)-`).exec(name);
    if (!match || isAlive(Number(match[1]))) continue;
    // What that run started inside (a TURN server, peers) would keep the namespace alive.
    const pids = await run("ip", ["netns", "pids", name]).then(({ stdout: out }) => out.split(/\s+/).filter(Boolean).map(Number), () => []);
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    await run("ip", ["netns", "del", name]).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
