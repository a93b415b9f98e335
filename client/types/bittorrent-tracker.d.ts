// Typings for bittorrent-tracker 11's client (untyped JavaScript), as the end-to-end tests drive it.
declare module "bittorrent-tracker" {
  import { EventEmitter } from "node:events";

  export interface AnnounceOptions {
    uploaded?: number;
    downloaded?: number;
    left?: number;
    numwant?: number;
  }

  export interface ClientOptions {
    infoHash: string | Uint8Array;
    peerId: string | Uint8Array;
    announce: string | string[];
    port?: number;
    rtcConfig?: RTCConfiguration & { bindAddress?: string };
    getAnnounceOpts?: () => AnnounceOptions;
    userAgent?: string;
  }

  /** The tracker's reply to an announce, as the client emits it (`update`). */
  export interface AnnounceResponse {
    action: "announce";
    announce: string;
    infoHash: string;
    interval?: number;
    complete: number;
    incomplete: number;
  }

  export interface ScrapeResponse {
    announce: string;
    infoHash: string;
    complete: number;
    incomplete: number;
    downloaded: number;
  }

  /** simple-peer connections created from offers/answers. */
  export interface TrackerPeer extends EventEmitter {
    id?: string;
    destroy(error?: Error): void;
  }

  export interface ClientEvents {
    update: [data: AnnounceResponse];
    scrape: [data: ScrapeResponse];
    peer: [peer: TrackerPeer];
    warning: [error: Error];
    error: [error: Error];
  }

  export class Client extends EventEmitter<ClientEvents> {
    constructor(opts: ClientOptions);
    readonly peerId: string;
    readonly infoHash: string;
    readonly destroyed: boolean;
    start(opts?: AnnounceOptions): void;
    stop(opts?: AnnounceOptions): void;
    complete(opts?: AnnounceOptions): void;
    update(opts?: AnnounceOptions): void;
    scrape(opts?: { infoHash?: string | string[] }): void;
    setInterval(intervalMs: number): void;
    destroy(cb?: (error: Error | null) => void): void;
  }

  export default Client;
}
