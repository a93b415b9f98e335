// Lets processes inside a lab namespace (netns.ts) reach a TCP server that listens on the host's loopback (the
// local worker binds 127.0.0.1): a forwarder inside the namespace listens on <host>:<port> there and pipes each
// connection through a Unix socket, which this process pipes on to 127.0.0.1:<target port>. Unix sockets live in
// the file system, which namespaces share, so nothing is added to the host's network: no address, route or rule.
// Test support, Node only.
import { connect, createServer, type Server, type Socket } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { NatLab } from "./netns";

const FORWARDER = fileURLToPath(new URL("./tcp-to-unix.mjs", import.meta.url));

export type Bridge = { close: () => Promise<void> };

export async function bridgeIntoNamespace(
  lab: NatLab,
  options: { ns: string; host: string; port: number; targetPort: number; timeoutMs?: number },
): Promise<Bridge> {
  const dir = await mkdtemp(path.join(tmpdir(), "edgeswarm-bridge-"));
  const socketPath = path.join(dir, "bridge.sock");
  const sockets = new Set<Socket>();
  const server: Server = createServer((inside) => {
    const target = connect(options.targetPort, "127.0.0.1");
    sockets.add(inside).add(target);
    inside.pipe(target).pipe(inside);
    const end = () => {
      inside.destroy();
      target.destroy();
      sockets.delete(inside);
      sockets.delete(target);
    };
    for (const socket of [inside, target]) {
      socket.on("error", end);
      socket.on("close", end);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, resolve);
  });

  const forwarder = lab.spawnIn(options.ns, process.execPath, [FORWARDER, options.host, String(options.port), socketPath]);
  let output = "";
  const close = async () => {
    if (forwarder.exitCode === null && forwarder.signalCode === null) {
      const exited = new Promise((resolve) => forwarder.once("exit", resolve));
      try {
        process.kill(-forwarder.pid!, "SIGTERM");
      } catch {
        // already gone
      }
      await exited;
    }
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? 10_000;
      const timer = setTimeout(() => done(new Error(`the forwarder in ${options.ns} did not listen within ${timeoutMs} ms: ${output}`)), timeoutMs);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("listening")) done();
      };
      const onExit = (code: number | null) => done(new Error(`the forwarder in ${options.ns} exited (${code}): ${output}`));
      function done(error?: Error) {
        clearTimeout(timer);
        forwarder.stdout!.off("data", onData);
        forwarder.off("exit", onExit);
        if (error) reject(error);
        else resolve();
      }
      forwarder.stdout!.on("data", onData);
      forwarder.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
      forwarder.once("exit", onExit);
    });
  } catch (error) {
    await close();
    throw error;
  }
  return { close };
}
