// One peer of the NAT end-to-end test (issue 16), run inside a lab namespace (`ip netns exec … node --import tsx
// nat-peer.ts '<command JSON>'). It uses the client library as the CLI does (createNodePeer: ICE servers from the
// deployment, or the ones given) and reports what happens as JSON lines on stdout: each WebRTC connection's ICE
// states and, once open, its selected candidate pair. Closing its stdin stops it cleanly (leaving the swarm and
// releasing TURN allocations). Test support, Node only.
import type WebTorrent from "webtorrent";
import type { Torrent } from "webtorrent";
import { RTCPeerConnection } from "webrtc-polyfill";
import { createNodePeer } from "../../client/lib/node";
import type { EdgeswarmPeer } from "../../client/lib/peer";
import { installNodeWebRtcFixes, libdatachannelIceServers } from "../../client/lib/webrtc-node";
import type { IceServer } from "../../protocol/rtc-config";

export type NatPeerCommand =
  /** Seeds one file; ICE servers from the deployment unless `iceServers` is given. */
  | { role: "seed"; server: string; file: string; iceServers?: IceServer[] }
  /** Downloads a magnet into `out`; gives up after `noPeersTimeoutMs` without a peer. */
  | { role: "get"; server: string; magnet: string; out: string; noPeersTimeoutMs: number; iceServers?: IceServer[] }
  /** Gathers ICE candidates of one RTCPeerConnection with these servers (a TURN allocation check). */
  | { role: "gather"; iceServers: IceServer[] };

export type NatPeerEvent =
  /** The TURN usernames in the ICE servers the client started with (minted by the worker, or given). */
  | { event: "rtc"; turnUsernames: string[] }
  | { event: "seeding"; magnet: string }
  | { event: "ice"; connection: number; initiator: boolean; state: string }
  | { event: "connected"; connection: number; initiator: boolean; local: string; remote: string }
  | { event: "closed"; connection: number; connected: boolean }
  | { event: "error"; connection: number; message: string }
  | { event: "done"; path: string; verified: boolean | null }
  | { event: "failed"; code: string; message: string }
  | { event: "candidates"; types: string[] }
  | { event: "stopped" };

const started = Date.now();
/** One report per line; `ms` since the process started, to read a failure's story in order. */
const emit = (event: NatPeerEvent) => process.stdout.write(`${JSON.stringify({ ms: Date.now() - started, ...event })}\n`);

const command = JSON.parse(process.argv[2] ?? "{}") as NatPeerCommand;
// NAT_PEER_DEBUG=Debug|Verbose: libdatachannel's own log (ICE, TURN) on stdout, among the reports, to debug.
const debugLevel = process.env.NAT_PEER_DEBUG as "Debug" | "Verbose" | undefined;
if (debugLevel) (await import("node-datachannel")).initLogger(debugLevel, (level, message) => console.log(`[rtc ${level}] ${message}`));
let peer: EdgeswarmPeer | null = null;

process.stdin.resume();
process.stdin.on("end", () => {
  void (async () => {
    await peer?.stop();
    emit({ event: "stopped" });
    process.exit(0);
  })();
});

if (command.role === "gather") {
  await gather(command.iceServers);
} else {
  peer = createNodePeer({
    server: command.server,
    ...(command.iceServers ? { rtc: { iceServers: command.iceServers } } : {}),
    noPeersTimeoutMs: command.role === "get" ? command.noPeersTimeoutMs : 0,
  });
  const client = await peer.webtorrent();
  emit({ event: "rtc", turnUsernames: turnUsernames(client) });
  watchConnections(client);
  if (command.role === "seed") {
    const seeding = await peer.seed(command.file, { publish: false });
    emit({ event: "seeding", magnet: seeding.magnet });
  } else {
    const download = peer.download(command.magnet, { path: command.out });
    download.result.then(
      (result) => emit({ event: "done", path: `${result.path}/${result.files[0]!.path}`, verified: result.verified?.ok ?? null }),
      (error: { code?: string; message?: string }) =>
        emit({ event: "failed", code: error.code ?? "unknown", message: error.message ?? String(error) }),
    );
  }
}

type Connection = {
  initiator: boolean;
  connected: boolean;
  on(event: string, listener: (...args: unknown[]) => void): void;
  once(event: string, listener: (...args: unknown[]) => void): void;
  _pc?: { iceConnectionState: string; getStats(): Promise<Map<string, { type: string; candidateType?: string }>> } | null;
};

function watchConnections(client: WebTorrent): void {
  let next = 0;
  const onTorrent = (torrent: Torrent) =>
    torrent.on("peer", (candidate) => {
      if (typeof candidate === "string") return;
      const connection = candidate as unknown as Connection;
      const id = next++;
      const { initiator } = connection;
      let last = "";
      const report = (state: unknown) => {
        if (typeof state !== "string" || state === last) return;
        last = state;
        emit({ event: "ice", connection: id, initiator, state });
      };
      // An offerer's connection reaches webtorrent only once the answer is in, when ICE may be checking already.
      report(connection._pc?.iceConnectionState);
      connection.on("iceStateChange", report);
      connection.once("connect", () => {
        void selectedPair(connection).then(({ local, remote }) => emit({ event: "connected", connection: id, initiator, local, remote }));
      });
      connection.on("error", (error) => emit({ event: "error", connection: id, message: String((error as Error)?.message ?? error) }));
      connection.once("close", () => emit({ event: "closed", connection: id, connected: connection.connected }));
    });
  for (const torrent of client.torrents) onTorrent(torrent);
  client.on("add", onTorrent);
}

function turnUsernames(client: WebTorrent): string[] {
  const servers = (client.tracker ? client.tracker.rtcConfig?.iceServers : undefined) ?? [];
  // Held percent-encoded for libdatachannel (client/lib/webrtc-node.ts); the TURN server sees them decoded.
  return servers.flatMap((server) => (server.username ? [decodeURIComponent(server.username)] : []));
}

/** The candidate types of the pair ICE chose (host, srflx, prflx, relay), as the polyfill's stats report them. */
async function selectedPair(connection: Connection): Promise<{ local: string; remote: string }> {
  const stats = await connection._pc?.getStats().catch(() => null);
  const entries = [...(stats?.values() ?? [])];
  const type = (kind: string) => entries.find((entry) => entry.type === kind)?.candidateType ?? "unknown";
  return { local: type("local-candidate"), remote: type("remote-candidate") };
}

async function gather(iceServers: IceServer[]): Promise<void> {
  installNodeWebRtcFixes(); // the end-of-candidates event marks the end of gathering
  const pc = new RTCPeerConnection({ iceServers: libdatachannelIceServers(iceServers) });
  pc.addEventListener("icecandidate", (event) => {
    if ((event as RTCPeerConnectionIceEvent).candidate) return;
    // Gathering is over. Read the candidates from the description a peer would send: libdatachannel may report
    // the end of gathering before the last candidate's own event.
    const sdp = pc.localDescription?.sdp ?? "";
    emit({ event: "candidates", types: [...sdp.matchAll(/^a=candidate:.* typ (\w+)/gm)].map((m) => m[1]!) });
    pc.close();
  });
  pc.createDataChannel("probe");
  await pc.setLocalDescription(await pc.createOffer());
}
