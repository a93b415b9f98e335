// The `edgeswarm` command (client/cli/bin.mjs, as `npx edgeswarm` runs it) against the real local worker:
// seed → search → info → get (by info hash, search words and magnet), checked by SHA-256; Ctrl-C leaving the
// swarm; and the exit code and message of each failure.
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { freePort, startLocalWorker, type LocalWorker } from "../../scripts/local-worker";
import { eventually } from "./wait";

const BIN = fileURLToPath(new URL("../../client/cli/bin.mjs", import.meta.url));
const KiB = 1024;

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

type Exit = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

class Cli {
  stdout = "";
  stderr = "";
  readonly exited: Promise<Exit>;
  private readonly child;

  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, EDGESWARM_SERVER: worker.httpUrl, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child.stdout.on("data", (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.child.stderr.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) =>
      this.child.once("close", (code, signal) => {
        running.delete(this);
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      }),
    );
    running.add(this);
  }

  /** Waits until the output so far matches. */
  async waitFor(stream: "stdout" | "stderr", pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    return eventually(async () => this[stream].match(pattern) ?? undefined, {
      timeoutMs,
      pauseMs: 50,
      what: `${pattern} on ${stream}; so far:\nstdout: ${this.stdout}\nstderr: ${this.stderr}`,
    });
  }

  kill(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}

/** Runs a command to its end. */
function run(args: string[], env: Record<string, string> = {}, timeoutMs = 90_000): Promise<Exit> {
  const cli = new Cli(args, env);
  const timer = setTimeout(() => cli.kill("SIGKILL"), timeoutMs);
  return cli.exited.finally(() => clearTimeout(timer));
}

async function folder(role: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `edgeswarm-cli-${role}-`));
  folders.push(dir);
  return dir;
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

async function details(infoHash: string): Promise<{ seeders: number } | null> {
  const response = await fetch(`${worker.httpUrl}/api/torrents/${infoHash}`);
  return response.ok ? ((await response.json()) as { seeders: number }) : null;
}

describe("edgeswarm seed, search, info and get", () => {
  it("share a file that arrives intact, then Ctrl-C leaves the swarm", { timeout: 180_000 }, async () => {
    const word = `wombat${randomBytes(4).toString("hex")}`;
    const name = `${word}-survey-notes.pdf`;
    const bytes = randomBytes(600 * KiB + 7);
    const source = path.join(await folder("source"), name);
    await writeFile(source, bytes);

    const seeder = new Cli(["seed", source, "--tag", "survey,notes", "--json"]);
    const [line] = await seeder.waitFor("stdout", /^\{.*\}\n/m, 60_000);
    const seeded = JSON.parse(line!) as { info_hash: string; magnet: string; share_link: string; listed: boolean; size: number; name: string };
    expect(seeded).toMatchObject({ name, size: bytes.length, listed: true, share_link: `${worker.httpUrl}/#${seeded.info_hash}` });
    expect(seeded.magnet).toContain(`tr=${encodeURIComponent(`${worker.wsUrl}/announce/${seeded.info_hash}`)}`);

    const search = await run(["search", word]);
    expect(search.code, search.stderr).toBe(0);
    const [header, row, ...rest] = search.stdout.trimEnd().split("\n");
    expect(header).toMatch(/^NAME\s+SIZE\s+SEEDERS\s+LEECHERS\s+HASH$/);
    expect(row).toMatch(new RegExp(`^${name}\\s+600 KiB\\s+\\d+\\s+\\d+\\s+${seeded.info_hash}$`));
    expect(rest).toEqual([]);

    const searchJson = await run(["search", word, "--json"]);
    expect((JSON.parse(searchJson.stdout) as { hits: { info_hash: string }[] }).hits.map((h) => h.info_hash)).toEqual([seeded.info_hash]);

    const info = await run(["info", seeded.info_hash]);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toContain(`name         ${name}`);
    expect(info.stdout).toContain("tags         survey, notes");
    expect(info.stdout).toContain(`share link   ${seeded.share_link}`);

    // By info hash, with the human output.
    const byHash = await folder("by-hash");
    const get = await run(["get", seeded.info_hash, "-o", byHash]);
    expect(get.code, get.stderr).toBe(0);
    expect(get.stderr).toContain(`Found "${name}"`);
    expect(get.stderr).toContain("Verifying every piece on disk");
    expect(get.stdout).toMatch(new RegExp(`^Downloaded "${name}" \\(600 KiB\\) to ${byHash} in \\d+s, all 38 pieces verified\\n$`));
    expect(sha256(await readFile(path.join(byHash, name)))).toBe(sha256(bytes));

    // By search words and by magnet, for scripts.
    for (const target of [[word, "survey"], [seeded.magnet]]) {
      const out = await folder("get");
      const got = await run(["--json", "get", ...target, "-o", out]);
      expect(got.code, got.stderr).toBe(0);
      expect(JSON.parse(got.stdout)).toMatchObject({ info_hash: seeded.info_hash, name, size: bytes.length, path: out, verified: { ok: true, pieces_checked: 38 } });
      expect(sha256(await readFile(path.join(out, name)))).toBe(sha256(bytes));
    }

    await eventually(async () => ((await details(seeded.info_hash))?.seeders === 1 ? true : undefined), { timeoutMs: 10_000, pauseMs: 200, what: "one seeder counted" });
    seeder.kill("SIGINT");
    const stopped = await seeder.exited;
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stderr).toContain("Stopping: leaving the swarm");
    // Counts reach the directory at most every 5 s per swarm, the final state trailing.
    await eventually(async () => ((await details(seeded.info_hash))?.seeders === 0 ? true : undefined), { timeoutMs: 8_000, pauseMs: 200, what: "the seeder gone" });
  });
});

describe("edgeswarm failures", () => {
  it("exit 3 with a message when the server is unreachable", async () => {
    const server = `http://127.0.0.1:${await freePort()}`;
    for (const args of [["get", randomBytes(20).toString("hex")], ["search", "anything"], ["seed", BIN]]) {
      const result = await run(["--server", server, ...args]);
      expect(result.code, `${args[0]}: ${result.stderr}`).toBe(3);
      expect(result.stderr.trimEnd().split("\n").at(-1)).toBe(`edgeswarm: cannot reach the edgeswarm server at ${server} (connection refused)`);
    }
  });

  it("exit 4 when nothing is found: unknown info hash, no search hit", async () => {
    const hash = randomBytes(20).toString("hex");
    const get = await run(["get", hash]);
    expect(get.code).toBe(4);
    expect(get.stderr).toContain(`edgeswarm: no torrent with info hash ${hash} in the directory at ${worker.httpUrl}`);
    const info = await run(["info", hash]);
    expect(info.code).toBe(4);
    expect(info.stderr).toContain(`no torrent with info hash ${hash}`);
    const words = `nothing-like-${randomBytes(5).toString("hex")}`;
    const search = await run(["search", words]);
    expect(search.code).toBe(4);
    expect(search.stderr).toContain(`Nothing found for "${words}"`);
    const json = await run(["--json", "get", words]);
    expect(json.code).toBe(4);
    expect(JSON.parse(json.stderr)).toEqual({ error: { code: "not_found", message: `nothing in the directory at ${worker.httpUrl} matches "${words}"` } });
  });

  it("exit 5 when no peer connects within --timeout", async () => {
    const hash = randomBytes(20).toString("hex");
    const published = await fetch(`${worker.httpUrl}/api/torrents`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ info_hash: hash, name: "orphan.iso", size: 4096 }),
    });
    expect(published.status).toBe(201);
    const started = Date.now();
    const result = await run(["get", hash, "--timeout", "2", "-o", await folder("orphan")]);
    expect(result.code, result.stderr).toBe(5);
    expect(result.stderr).toContain("edgeswarm: no peers for orphan.iso within 2s: nobody is sharing it right now");
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it("exit 6 on disk errors: unwritable output folder, unreadable seed path", async () => {
    const file = path.join(await folder("disk"), "a-file");
    await writeFile(file, "x");
    const seeder = new Cli(["seed", file, "--json", "--no-publish"]);
    const [line] = await seeder.waitFor("stdout", /^\{.*\}\n/m, 60_000);
    const { magnet } = JSON.parse(line!) as { magnet: string };
    const get = await run(["get", magnet, "-o", path.join(file, "sub")]);
    expect(get.code, get.stderr).toBe(6);
    expect(get.stderr).toContain(`edgeswarm: cannot write to ${path.join(file, "sub")}: not a directory (ENOTDIR)`);
    const seed = await run(["seed", path.join(path.dirname(file), "missing")]);
    expect(seed.code).toBe(6);
    expect(seed.stderr).toContain("no such file or directory (ENOENT)");
    seeder.kill("SIGINT");
    expect((await seeder.exited).code).toBe(0);
  });

  it("exit 2 on usage errors", async () => {
    for (const args of [["get"], ["get", "x", "--timeout", "soon"], ["--server", "ftp://x", "search", "a"], ["info", "not a hash"], ["frobnicate"]]) {
      const result = await run(args);
      expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(2);
      expect(result.stderr.length).toBeGreaterThan(0);
    }
  });

  it("exit 130 after Ctrl-C during a download, leaving the swarm", async () => {
    const hash = randomBytes(20).toString("hex");
    await fetch(`${worker.httpUrl}/api/torrents`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ info_hash: hash, name: "waiting.bin", size: 4096 }),
    });
    const get = new Cli(["get", hash, "--timeout", "0", "-o", await folder("waiting")]);
    await get.waitFor("stderr", /Connecting to peers/);
    await eventually(async () => ((await fetch(`${worker.httpUrl}/api/torrents/${hash}`).then((r) => r.json())) as { leechers: number }).leechers === 1 || undefined, {
      timeoutMs: 10_000,
      pauseMs: 200,
      what: "the leecher counted",
    });
    get.kill("SIGINT");
    const result = await get.exited;
    expect(result.code).toBe(130);
    // Within a push interval (5 s per swarm, the final state trailing).
    await eventually(async () => ((await fetch(`${worker.httpUrl}/api/torrents/${hash}`).then((r) => r.json())) as { leechers: number }).leechers === 0 || undefined, {
      timeoutMs: 8_000,
      pauseMs: 200,
      what: "the leecher gone",
    });
  });
});
