// The part of Deno's runtime API the self-hosted server uses, typed here so that the project's one type check
// (tsc with the Workers types) covers the server too, and so that only files importing this module can reach
// Deno at all. Layer: adapter (worker/deno only).

export type DenoServeInfo = { remoteAddr: { hostname: string; port: number; transport: string } };
export type DenoServer = { finished: Promise<void>; shutdown(): Promise<void>; addr: { hostname: string; port: number } };
export type DenoFileInfo = { isFile: boolean; isDirectory: boolean; size: number; mtime: Date | null };

export type DenoApi = {
  serve(
    options: { hostname: string; port: number; onListen?: (addr: { hostname: string; port: number }) => void },
    handler: (request: Request, info: DenoServeInfo) => Response | Promise<Response>,
  ): DenoServer;
  /** The web-standard WebSocket (Cloudflare's type stands in for it in this type check; `accept` is not on it). */
  upgradeWebSocket(request: Request, options?: { idleTimeout?: number }): { socket: WebSocket; response: Response };
  env: { get(name: string): string | undefined };
  readTextFileSync(path: string | URL): string;
  readFile(path: string | URL): Promise<Uint8Array>;
  stat(path: string | URL): Promise<DenoFileInfo>;
  readDirSync(path: string | URL): Iterable<{ name: string; isFile: boolean }>;
  addSignalListener(signal: "SIGINT" | "SIGTERM", handler: () => void): void;
  exit(code?: number): never;
};

export const Deno = (globalThis as unknown as { Deno: DenoApi }).Deno;
