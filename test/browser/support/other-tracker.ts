// "Another site's tracker" for the browser tests: bittorrent-tracker's own WebSocket server in this process on
// a loopback port, to check that the page announces on trackers a magnet names and stops when told to.
import type { AddressInfo } from "node:net";

type Swarm = { complete: number; incomplete: number };
type ReferenceServer = {
  listen(port: number, hostname: string, onListening: () => void): void;
  on(event: "error" | "warning", listener: (error: Error) => void): void;
  ws: { address(): AddressInfo };
  torrents: Record<string, Swarm | undefined>;
  close(cb?: () => void): void;
};
type ReferenceModule = { Server: new (opts: Record<string, unknown>) => ReferenceServer };

export type OtherTracker = { url: string; peersOf(infoHash: string): number; close(): Promise<void> };

export async function startOtherTracker(): Promise<OtherTracker> {
  // bittorrent-tracker ships no type declarations; a non-literal specifier keeps the import typed as above.
  const moduleName = "bittorrent-tracker";
  const { Server } = (await import(moduleName)) as ReferenceModule;
  const server = new Server({ udp: false, http: false, ws: true, stats: false });
  server.on("warning", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `ws://127.0.0.1:${server.ws.address().port}`,
    peersOf: (infoHash) => {
      const swarm = server.torrents[infoHash];
      return swarm ? swarm.complete + swarm.incomplete : 0;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
