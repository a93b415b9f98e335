// The reference: bittorrent-tracker's own WebSocket tracker, run alone in this child process so the
// benchmark can read its CPU and memory from /proc without the load generator in the same numbers.
// Started by tracker-bench.ts with an IPC channel; reports {type:"listening", port} and runs until killed.
import type { AddressInfo } from "node:net";

type ReferenceServer = {
  listen(port: number, hostname: string, onListening: () => void): void;
  on(event: "error" | "warning", listener: (error: Error) => void): void;
  ws: { address(): AddressInfo };
  close(cb?: () => void): void;
};
type ReferenceModule = { Server: new (opts: Record<string, unknown>) => ReferenceServer };

// bittorrent-tracker ships no type declarations; a non-literal specifier keeps the import typed as above.
const moduleName = "bittorrent-tracker";
const { Server } = (await import(moduleName)) as ReferenceModule;

const server = new Server({ udp: false, http: false, ws: true, stats: false });
let warnings = 0;
server.on("warning", () => warnings++); // bad client data; counted, not fatal (as in the stock server)
server.on("error", (error) => {
  console.error("reference tracker error:", error.message);
  process.exit(1);
});

server.listen(0, "127.0.0.1", () => {
  process.send?.({ type: "listening", port: server.ws.address().port });
});

process.on("message", (message: { type: string }) => {
  if (message.type === "warnings") process.send?.({ type: "warnings", warnings });
});
process.on("disconnect", () => server.close(() => process.exit(0)));
