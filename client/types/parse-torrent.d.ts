// Typings for parse-torrent 11 (untyped JavaScript).
declare module "parse-torrent" {
  export interface ParsedTorrentFile {
    path: string;
    name: string;
    length: number;
    offset: number;
  }
  export interface ParsedTorrent {
    infoHash: string;
    infoHashBuffer?: Uint8Array;
    name?: string;
    announce: string[];
    urlList?: string[];
    files?: ParsedTorrentFile[];
    length?: number;
    pieceLength?: number;
    lastPieceLength?: number;
    pieces?: string[];
    private?: boolean;
    info?: Record<string, unknown>;
    infoBuffer?: Uint8Array;
    [field: string]: unknown;
  }
  /** A magnet URI, an info hash, .torrent bytes, or an already parsed torrent. */
  export default function parseTorrent(torrentId: string | Uint8Array | ParsedTorrent): Promise<ParsedTorrent>;
  export function toMagnetURI(parsed: ParsedTorrent): string;
  export function toTorrentFile(parsed: ParsedTorrent): Uint8Array;
}
