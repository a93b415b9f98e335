// Hostile torrents against the real `edgeswarm get` (issue 10): a stock WebTorrent client seeds hand-built
// torrents whose names and paths aim at the user's files (.bashrc, .ssh/authorized_keys, "../x", absolute
// paths, terminal escapes), through the real local worker; the CLI runs as a child process, gets the metadata
// from that peer over WebRTC, and must refuse before writing anything, leaving the user's files byte for byte.
// The magnets also name a foreign tracker, an exact source and a peer address on a trap port: nothing may
// connect to it. And a seeding CLI binds nothing beyond loopback.
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, readdir, readlink, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type WebTorrent from "webtorrent";
import type { Torrent } from "webtorrent";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeClient } from "../../client/lib/node-peer";
import { startLocalWorker, type LocalWorker } from "../../scripts/local-worker";
import { buildTorrent, placeSeedData, type Layout } from "./hostile-torrents";
import { eventually, nextEvent } from "./wait";

const BIN = fileURLToPath(new URL("../../client/cli/bin.mjs", import.meta.url));
const EXIT = { ok: 0, unsafeName: 8, exists: 9 };

let worker: LocalWorker;
let seeder: WebTorrent;
let trap: Server;
let trapPort = 0;
let trapConnections = 0;
let home: string;
const folders: string[] = [];

beforeAll(async () => {
  worker = await startLocalWorker();
  seeder = createNodeClient();
  trap = createServer((socket) => {
    trapConnections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => trap.listen(0, "127.0.0.1", resolve));
  trapPort = (trap.address() as { port: number }).port;
  home = await folder("home");
});

afterAll(async () => {
  await new Promise<void>((resolve) => (seeder ? seeder.destroy(() => resolve()) : resolve()));
  await new Promise<void>((resolve) => (trap ? trap.close(() => resolve()) : resolve()));
  await worker?.stop();
  await Promise.all(folders.map((f) => rm(f, { recursive: true, force: true })));
});

async function folder(role: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `edgeswarm-hostile-${role}-`));
  folders.push(dir);
  return dir;
}

type Exit = { code: number | null; stdout: string; stderr: string };

function cli(args: string[]): { exited: Promise<Exit>; pid: number; output: () => string; kill: () => void } {
  // A home of its own: a missing -o would land in <home>/Downloads, never in the developer's folders.
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, EDGESWARM_SERVER: worker.httpUrl, HOME: home, XDG_CONFIG_HOME: path.join(home, ".config") },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
  const exited = new Promise<Exit>((resolve) =>
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
  return { exited, pid: child.pid ?? 0, output: () => stdout, kill: () => child.kill("SIGINT") };
}

/** Seeds a hand-built torrent from a stock WebTorrent client, and gives a magnet for it that also names the trap. */
async function seed(layout: Layout): Promise<{ infoHash: string; magnet: string; all: Buffer }> {
  const { torrent, infoHash, all } = buildTorrent(layout);
  const dir = await folder("seed");
  await placeSeedData(dir, layout);
  const added = seeder.add(torrent, { path: dir, announce: [`${worker.wsUrl}/announce/${infoHash}`] });
  if (!added.done) await nextEvent(added as Torrent, "done", 30_000, `the seeder to check ${layout.name}`);
  const elsewhere = `127.0.0.1:${trapPort}`;
  const magnet =
    `magnet:?xt=urn:btih:${infoHash}&dn=${encodeURIComponent(layout.name)}` +
    `&tr=${encodeURIComponent(`${worker.wsUrl}/announce/${infoHash}`)}&tr=${encodeURIComponent(`ws://${elsewhere}/announce`)}` +
    `&xs=${encodeURIComponent(`http://${elsewhere}/meta.torrent`)}&x.pe=${elsewhere}`;
  return { infoHash, magnet, all };
}

/** Every file under a folder with its bytes' hash, to prove nothing changed. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, full)] = entry.isFile() ? createHash("sha256").update(await readFile(full)).digest("hex") : "dir";
  }
  return out;
}

const get = (magnet: string, out: string, ...flags: string[]) => cli(["get", magnet, "-o", out, "--timeout", "30", ...flags]).exited;

describe("edgeswarm get of a hostile torrent", () => {
  it("refuses a torrent named .bashrc (exit 8), then with --allow-dotfiles refuses to replace the user's (exit 9)", async () => {
    const { magnet, all } = await seed({ name: ".bashrc", data: randomBytes(40_000) });
    const out = await folder("out");
    await writeFile(path.join(out, ".bashrc"), "alias ls='ls --color'\n");
    const before = await snapshot(out);

    const refused = await get(magnet, out);
    expect(refused.code, refused.stderr).toBe(EXIT.unsafeName);
    expect(refused.stderr).toMatch(/edgeswarm: refused to download: the torrent's name ".bashrc" starts with '.' \(a hidden file\) \(--allow-dotfiles writes it\)/);
    expect(await snapshot(out)).toEqual(before);

    const exists = await get(magnet, out, "--allow-dotfiles");
    expect(exists.code, exists.stderr).toBe(EXIT.exists);
    expect(exists.stderr).toContain(`${path.join(out, ".bashrc")} exists and this download did not create it (choose another --output folder, or --overwrite to replace it)`);
    expect(await snapshot(out)).toEqual(before);

    // Asked for in so many words, it is written.
    const replaced = await get(magnet, out, "--allow-dotfiles", "--overwrite");
    expect(replaced.code, replaced.stderr).toBe(EXIT.ok);
    expect(await readFile(path.join(out, ".bashrc"))).toEqual(all);
  });

  it("refuses .ssh/authorized_keys, '../x', absolute paths and terminal escapes before writing anything (exit 8)", async () => {
    const base = await folder("base");
    const out = path.join(base, "out");
    await mkdir(path.join(out, ".ssh"), { recursive: true });
    await writeFile(path.join(out, ".ssh", "authorized_keys"), "ssh-ed25519 AAAA mine\n");
    await writeFile(path.join(out, "x"), "the user's x\n");
    const before = await snapshot(base);
    // The flags lift the dotfile and existing-file rules only: none of the others.
    const permissive = ["--allow-dotfiles", "--overwrite"];
    const cases: [Layout, RegExp, string[]][] = [
      [{ name: ".ssh", files: [{ path: ["authorized_keys"], data: randomBytes(3000) }] }, /name ".ssh" starts with '\.'/, []],
      [{ name: "folder", files: [{ path: ["..", "x"], data: randomBytes(3000) }] }, /file path "\.\.\/x" has an element \(1 of 2\) that is '\.' or '\.\.'/, permissive],
      [{ name: "folder", files: [{ path: ["..", "..", "x"], data: randomBytes(3000) }] }, /'\.' or '\.\.'/, permissive],
      [{ name: "folder", files: [{ path: ["/etc", "passwd"], data: randomBytes(3000) }] }, /separator/, permissive],
      [{ name: "evil\u001b]0;owned\u0007\u001b[2J\r\nFAKE\u202Etxt.exe", data: randomBytes(3000) }, /control or text-direction character/, permissive],
    ];
    for (const [layout, message, flags] of cases) {
      const { magnet } = await seed(layout);
      const result = await get(magnet, out, ...flags);
      expect(result.code, `${JSON.stringify(layout.name)}: ${result.stderr}`).toBe(EXIT.unsafeName);
      expect(result.stderr).toMatch(message);
      // Nothing a stranger chose reaches the terminal raw.
      expect(result.stderr + result.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
      expect(await snapshot(base)).toEqual(before);
    }
    // None of those magnets' own tracker, exact source or peer address was contacted.
    expect(trapConnections).toBe(0);
  });

  it("never replaces a file it did not create (exit 9), resumes its own, and saves to ~/Downloads without -o", async () => {
    const name = `notes-${randomBytes(3).toString("hex")}.txt`;
    const { magnet, all } = await seed({ name, data: randomBytes(50_000) });
    const taken = await folder("taken");
    await writeFile(path.join(taken, name), "the user's notes\n");
    const refused = await get(magnet, taken);
    expect(refused.code, refused.stderr).toBe(EXIT.exists);
    expect(await readFile(path.join(taken, name), "utf8")).toBe("the user's notes\n");

    const fresh = await folder("fresh");
    const first = await get(magnet, fresh);
    expect(first.code, first.stderr).toBe(EXIT.ok);
    expect(await readFile(path.join(fresh, name))).toEqual(all);
    const again = await get(magnet, fresh);
    expect(again.code, again.stderr).toBe(EXIT.ok);
    expect(await readFile(path.join(fresh, name))).toEqual(all);

    const byDefault = await cli(["--json", "get", magnet, "--timeout", "30"]).exited;
    expect(byDefault.code, byDefault.stderr).toBe(EXIT.ok);
    expect(JSON.parse(byDefault.stdout)).toMatchObject({ path: path.join(home, "Downloads") });
    expect(await readFile(path.join(home, "Downloads", name))).toEqual(all);
    expect(trapConnections).toBe(0);
  });
});

/** The local addresses of the TCP listeners and UDP sockets a process holds (Linux /proc). */
async function boundAddresses(pid: number): Promise<string[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
    const match = /^socket:\[(\d+)\]$/.exec(link);
    if (match) inodes.add(match[1]!);
  }
  const addresses: string[] = [];
  for (const table of ["tcp", "tcp6", "udp", "udp6"]) {
    const lines = (await readFile(`/proc/${pid}/net/${table}`, "utf8")).trim().split("\n").slice(1);
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      const [local, , state, inode] = [fields[1]!, fields[2], fields[3], fields[9]!];
      if (!inodes.has(inode)) continue;
      if (table.startsWith("tcp") && state !== "0A") continue; // TCP: listeners only
      addresses.push(`${table} ${local.split(":")[0]}`);
    }
  }
  return addresses;
}

describe("a seeding edgeswarm", () => {
  it("binds nothing beyond loopback", async () => {
    const file = path.join(await folder("seeding"), "shared.bin");
    await writeFile(file, randomBytes(20_000));
    const seeding = cli(["--json", "seed", file, "--no-publish"]);
    try {
      // The JSON line is printed once the seed is hashed and announced: its sockets are all open by then.
      await eventually(async () => (/^\{.*\}$/m.test(seeding.output()) ? true : undefined), { timeoutMs: 60_000, what: "the seed's JSON line" });
      const addresses = await boundAddresses(seeding.pid);
      expect(addresses.some((a) => a.startsWith("tcp"))).toBe(true); // webtorrent's listener is there…
      // …on loopback: 0100007F is 127.0.0.1, 00000000000000000000000001000000 the IPv6 loopback.
      for (const address of addresses) expect(address, addresses.join(", ")).toMatch(/ (0100007F|00000000000000000000000001000000)$/);
    } finally {
      seeding.kill();
      await seeding.exited;
    }
  });
});
