// `edgeswarm get` choosing files and resuming, against the real local worker with a CLI seeder: `--list` prints
// the files without writing anything, `--select` fetches only the chosen files' pieces, and a download killed
// with SIGKILL continues in the same folder from the pieces already on disk, checked by their hashes.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startLocalWorker, type LocalWorker } from "../../scripts/local-worker";
import { Cli, runCli } from "./cli-process";

const KiB = 1024;
const MiB = 1024 * KiB;

let worker: LocalWorker;
const running = new Set<Cli>();
const folders: string[] = [];

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
});

const cli = (args: string[]) => new Cli(worker.httpUrl, args, running);
const run = (args: string[]) => runCli(worker.httpUrl, args, running);
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

async function folder(role: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `edgeswarm-cli-${role}-`));
  folders.push(dir);
  return dir;
}

type Seeded = { info_hash: string; magnet: string; name: string; size: number };

async function seed(paths: string[], extra: string[] = []): Promise<{ seeder: Cli; seeded: Seeded }> {
  const seeder = cli(["seed", ...paths, "--json", ...extra]);
  const [line] = await seeder.waitFor("stdout", /^\{.*\}\n/m, 60_000);
  return { seeder, seeded: JSON.parse(line!) as Seeded };
}

async function listing(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out.push(path.relative(dir, path.join(entry.parentPath, entry.name)));
  }
  return out.sort();
}

describe("edgeswarm get with a choice of files", () => {
  it("--list prints numbered files and sizes and writes nothing; --select fetches only the chosen file", { timeout: 180_000 }, async () => {
    const root = await folder("album");
    const album = path.join(root, `album-${randomBytes(3).toString("hex")}`);
    await mkdir(album);
    // Sizes that put file boundaries inside pieces (16 KiB pieces at this size).
    const files = [
      { name: "1-intro.bin", bytes: randomBytes(300 * KiB + 11) },
      { name: "2-middle.bin", bytes: randomBytes(500 * KiB + 5) },
      { name: "3-outro.bin", bytes: randomBytes(200 * KiB + 3) },
    ];
    for (const f of files) await writeFile(path.join(album, f.name), f.bytes);
    const { seeder, seeded } = await seed([album]);

    const cwd = await folder("list-cwd");
    const list = await run(["get", seeded.info_hash, "--list", "-o", cwd]);
    expect(list.code, list.stderr).toBe(0);
    const lines = list.stdout.trimEnd().split("\n");
    expect(lines[0]).toContain(`in 3 files`);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(new RegExp(`^1\\s+300 KiB\\s+${path.basename(album)}/1-intro\\.bin$`)),
      expect.stringMatching(new RegExp(`^2\\s+500 KiB\\s+${path.basename(album)}/2-middle\\.bin$`)),
      expect.stringMatching(new RegExp(`^3\\s+200 KiB\\s+${path.basename(album)}/3-outro\\.bin$`)),
    ]);
    const listJson = await run(["--json", "get", seeded.magnet, "--list", "-o", cwd]);
    expect(listJson.code, listJson.stderr).toBe(0);
    expect((JSON.parse(listJson.stdout) as { files: unknown[] }).files).toEqual(
      files.map((f, i) => ({ number: i + 1, path: `${path.basename(album)}/${f.name}`, length: f.bytes.length })),
    );
    expect(await listing(cwd)).toEqual([]); // --list wrote nothing

    const out = await folder("selected");
    const got = await run(["--json", "get", seeded.info_hash, "--select", "2", "-o", out]);
    expect(got.code, got.stderr).toBe(0);
    const result = JSON.parse(got.stdout) as { selected: number[]; verified: { ok: boolean }; received: number };
    expect(result.selected).toEqual([2]);
    expect(result.verified.ok).toBe(true);
    const middle = await readFile(path.join(out, path.basename(album), "2-middle.bin"));
    expect(sha256(middle)).toBe(sha256(files[1]!.bytes));
    // Only the middle file's pieces came: at most one extra piece on each boundary (16 KiB pieces).
    expect(result.received).toBeLessThanOrEqual(files[1]!.bytes.length + 2 * 16 * KiB);
    for (const other of [files[0]!, files[2]!]) {
      const onDisk = await readFile(path.join(out, path.basename(album), other.name)).catch(() => null);
      if (onDisk) expect(sha256(onDisk)).not.toBe(sha256(other.bytes)); // at most a boundary piece's share
    }

    const bad = await run(["get", seeded.info_hash, "--select", "9", "-o", await folder("bad")]);
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toContain("file 9 does not exist: the torrent has 3 files");
    const malformed = await run(["get", seeded.info_hash, "--select", "2-x"]);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('not a file number or range: "2-x"');

    seeder.kill("SIGINT");
    expect((await seeder.exited).code).toBe(0);
  });
});

describe("edgeswarm get after SIGKILL", () => {
  it("continues in the same folder from the verified pieces already there", { timeout: 180_000 }, async () => {
    const source = path.join(await folder("big"), `resume-${randomBytes(3).toString("hex")}.bin`);
    const bytes = randomBytes(6 * MiB + 123);
    await writeFile(source, bytes);
    // A slow seeder, so the download is caught half way.
    const { seeder, seeded } = await seed([source], ["--upload-limit", "600k"]);
    const out = await folder("resume");

    const first = cli(["get", seeded.info_hash, "-o", out]);
    // Without a terminal the bar prints a plain line every 2 s: wait for one past 20 %.
    await first.waitFor("stderr", /\s([2-7]\d)% \|/, 60_000);
    first.kill("SIGKILL");
    const killed = await first.exited;
    expect(killed.signal).toBe("SIGKILL");
    const partial = (await stat(path.join(out, seeded.name))).size;
    expect(partial).toBeGreaterThan(0);

    const second = await run(["get", seeded.info_hash, "-o", out]);
    expect(second.code, second.stderr).toBe(0);
    const [, held, total] = second.stderr.match(/Resuming: (\d+) of (\d+) pieces already in .* match their hashes; fetching the rest\./) ?? [];
    expect(Number(held)).toBeGreaterThan(0);
    const done = second.stdout.match(/^Downloaded ".*" \(6.00 MiB\) to .* all (\d+) pieces verified; ([\d.]+) (KiB|MiB) fetched, (\d+) pieces were already here\n$/);
    expect(done, second.stdout).not.toBeNull();
    expect(done![1]).toBe(total);
    expect(done![4]).toBe(held);
    // What was held was not fetched again.
    const fetched = Number(done![2]) * (done![3] === "MiB" ? MiB : KiB);
    const pieceLength = bytes.length / Number(total);
    expect(fetched).toBeLessThanOrEqual(bytes.length - Number(held) * pieceLength + 512 * KiB);
    expect(sha256(await readFile(path.join(out, seeded.name)))).toBe(sha256(bytes));

    seeder.kill("SIGINT");
    expect((await seeder.exited).code).toBe(0);
  });
});
