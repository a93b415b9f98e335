// Typings for create-torrent 6 (untyped JavaScript): the callback API edgeswarm uses.
declare module "create-torrent" {
  export interface CreateTorrentOptions {
    name?: string;
    /** Tracker URLs. Always pass it: without it, create-torrent adds public trackers. */
    announce?: string[];
    announceList?: string[][];
    comment?: string;
    createdBy?: string;
    creationDate?: Date | number;
    private?: boolean;
    pieceLength?: number;
    urlList?: string[];
    info?: Record<string, unknown>;
  }
  type Input = string | Uint8Array | NodeJS.ReadableStream | Array<string | Uint8Array | NodeJS.ReadableStream>;
  /** Calls back with the bencoded .torrent file. */
  export default function createTorrent(
    input: Input,
    opts: CreateTorrentOptions,
    cb: (error: Error | null, torrent: Uint8Array) => void,
  ): void;
}
