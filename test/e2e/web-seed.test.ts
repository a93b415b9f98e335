// The edge as a web seed (BEP 19), end to end: `edgeswarm seed --web-seed` stores the bytes at the edge (R2
// through the worker, parts checked against the pieces), then `edgeswarm get` downloads — from the edge alone
// when no peer is online, and mostly from the peer when one seeds, the edge adding itself only as the policy
// allows (client/lib/web-seed-policy.ts). Bytes from each source are written to test-artifacts/ for the record.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startLocalWorker, type LocalWorker } from "../../scripts/local-worker";
import { Cli, runCli } from "./cli-process";
import { eventually } from "./wait";

const MiB = 1024 * 1024;
const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/", import.meta.url));

let worker: LocalWorker;
const running = new Set<Cli>();
const folders: string[] = [];
const figures: Record<string, unknown> = {};

beforeAll(async () => {
  worker = await startLocalWorker();
});

afterEach(() => {
  for (const cli of running) cli.kill("SIGKILL");
  running.clear();
});

afterAll(async () => {
  await worker?.stop();
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
  await mkdir(ARTIFACTS, { recursive: true });
  await writeFile(path.join(ARTIFACTS, "web-seed-bytes.json"), `${JSON.stringify(figures, null, 2)}\n`);
});

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

async function folder(role: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `edgeswarm-webseed-${role}-`));
  folders.push(dir);
  return dir;
}

type Seeded = { info_hash: string; name: string; size: number; web_seed: string | null; token: string };
type Got = { verified: { ok: boolean }; web_seed: { url: string; bytes_from_edge: number; bytes_from_peers: number; changes: { action: string; reason: string }[] } | null };

async function seedWithWebSeed(name: string, size: number): Promise<{ seeder: Cli; seeded: Seeded; bytes: Buffer }> {
  const bytes = randomBytes(size);
  const file = path.join(await folder("source"), name);
  await writeFile(file, bytes);
  const seeder = new Cli(worker.httpUrl, ["seed", file, "--web-seed", "--json"], running);
  const [line] = await seeder.waitFor("stdout", /^\{.*\}\n/m, 90_000);
  return { seeder, seeded: JSON.parse(line!) as Seeded, bytes };
}

async function seeders(infoHash: string): Promise<number> {
  return ((await (await fetch(`${worker.httpUrl}/api/torrents/${infoHash}`)).json()) as { seeders: number }).seeders;
}

describe("a torrent published with --web-seed", () => {
  it("is listed with its web seed, and downloads from the edge alone when no peer is online", { timeout: 180_000 }, async () => {
    const name = `edge-only-${randomBytes(3).toString("hex")}.bin`;
    const { seeder, seeded, bytes } = await seedWithWebSeed(name, 6 * MiB + 99);
    expect(seeded.web_seed).toBe(`${worker.httpUrl}/seed/${seeded.info_hash}/${name}`);
    const details = (await (await fetch(`${worker.httpUrl}/api/torrents/${seeded.info_hash}`)).json()) as { web_seed: string; magnet: string };
    expect(details.web_seed).toBe(seeded.web_seed);
    expect(details.magnet).toContain(`ws=${encodeURIComponent(seeded.web_seed!)}`);

    seeder.kill("SIGINT");
    expect((await seeder.exited).code).toBe(0);
    await eventually(async () => ((await seeders(seeded.info_hash)) === 0 ? true : undefined), { timeoutMs: 10_000, pauseMs: 200, what: "no seeder left" });

    const out = await folder("edge-only");
    const got = await runCli(worker.httpUrl, ["--json", "get", seeded.info_hash, "-o", out, "--timeout", "30"], running);
    expect(got.code, got.stderr).toBe(0);
    const result = JSON.parse(got.stdout) as Got;
    expect(result.verified.ok).toBe(true);
    expect(sha256(await readFile(path.join(out, name)))).toBe(sha256(bytes));
    expect(result.web_seed!.bytes_from_peers).toBe(0);
    expect(result.web_seed!.bytes_from_edge).toBe(bytes.length);
    expect(result.web_seed!.changes[0]).toEqual({ at: expect.any(Number), action: "add", reason: "no peer connected" });
    figures.edgeOnly = { size: bytes.length, fromEdge: result.web_seed!.bytes_from_edge, fromPeers: result.web_seed!.bytes_from_peers, changes: result.web_seed!.changes };
  });

  it("comes mostly from the peer while one seeds; the edge only as the policy allows", { timeout: 180_000 }, async () => {
    const name = `with-peer-${randomBytes(3).toString("hex")}.bin`;
    const { seeder, seeded, bytes } = await seedWithWebSeed(name, 8 * MiB + 5);
    await eventually(async () => ((await seeders(seeded.info_hash)) === 1 ? true : undefined), { timeoutMs: 10_000, pauseMs: 200, what: "the seeder counted" });

    const out = await folder("with-peer");
    const got = await runCli(worker.httpUrl, ["--json", "get", seeded.info_hash, "-o", out], running);
    expect(got.code, got.stderr).toBe(0);
    const result = JSON.parse(got.stdout) as Got;
    expect(result.verified.ok).toBe(true);
    expect(sha256(await readFile(path.join(out, name)))).toBe(sha256(bytes));
    const { bytes_from_edge: edge, bytes_from_peers: peers, changes } = result.web_seed!;
    figures.withPeer = { size: bytes.length, fromEdge: edge, fromPeers: peers, edgeShare: edge / bytes.length, changes };
    expect(edge + peers).toBeGreaterThanOrEqual(bytes.length);
    expect(peers).toBeGreaterThan(edge);
    // The rule: the edge is asked only after an add (no peer within the grace time, pieces no peer has, peers
    // too slow); with a healthy peer from the start there is none, and then not one byte comes from the edge.
    if (!changes.some((c) => c.action === "add")) expect(edge).toBe(0);
    else expect(edge / bytes.length).toBeLessThan(0.5);

    seeder.kill("SIGINT");
    expect((await seeder.exited).code).toBe(0);
  });
});
