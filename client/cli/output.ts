// What the CLI prints: the search table, a torrent's details, the progress line's fields, exit codes.
// Layer: client/cli (pure; no I/O here).
import type { SearchHit, TorrentDetails } from "../../protocol/directory";
import { formatBytes, formatDuration, formatSpeed, stripUnsafe, type ErrorCode, type Progress, type TorrentInfo } from "../lib/index";

/** Exit codes (docs/cli.md). */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  unreachable: 3,
  notFound: 4,
  noPeers: 5,
  disk: 6,
  verification: 7,
  unsafeName: 8,
  exists: 9,
  interrupted: 130,
} as const;

export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case "usage":
      return EXIT.usage;
    case "unreachable":
      return EXIT.unreachable;
    case "not_found":
      return EXIT.notFound;
    case "no_peers":
      return EXIT.noPeers;
    case "disk":
      return EXIT.disk;
    case "verification":
      return EXIT.verification;
    case "unsafe_name":
      return EXIT.unsafeName;
    case "exists":
      return EXIT.exists;
    case "stopped":
      return EXIT.interrupted;
    default:
      return EXIT.failure;
  }
}

// Names, paths, tags, descriptions and the server's messages are chosen by peers and publishers: on a
// terminal, control characters (ESC sequences, carriage returns, newlines) and direction overrides could
// rewrite what the user reads (issue 10). Human output loses them; JSON output escapes them.

/** One line of text from a peer or publisher, as the terminal may show it. */
export const terminalText = (text: string): string => stripUnsafe(text);

/** A whole block of output: only the newlines we put there survive. */
export function terminalBlock(text: string): string {
  return text.split("\n").map(stripUnsafe).join("\n");
}

/** JSON whose strings cannot steer a terminal: JSON.stringify escapes C0; C1 and direction controls too here. */
export function terminalJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

type Column = { title: string; align: "left" | "right"; shrink?: boolean };

/**
 * A plain-text table: a header row and aligned columns two spaces apart. When `maxWidth` is given, the
 * shrinkable column (the name) is cut with "…" so that rows fit.
 */
export function renderTable(columns: Column[], rows: string[][], maxWidth?: number): string {
  const widths = columns.map((column, i) => Math.max(column.title.length, ...rows.map((row) => (row[i] ?? "").length)));
  const shrinkAt = columns.findIndex((column) => column.shrink);
  if (maxWidth !== undefined && shrinkAt >= 0) {
    const total = widths.reduce((sum, w) => sum + w, 0) + 2 * (columns.length - 1);
    if (total > maxWidth) widths[shrinkAt] = Math.max(columns[shrinkAt]!.title.length, 8, widths[shrinkAt]! - (total - maxWidth));
  }
  const cell = (text: string, i: number) => {
    const width = widths[i]!;
    const fitted = text.length > width ? `${text.slice(0, width - 1)}…` : text;
    return columns[i]!.align === "right" ? fitted.padStart(width) : fitted.padEnd(width);
  };
  const line = (cells: string[]) => cells.map(cell).join("  ").trimEnd();
  return [line(columns.map((c) => c.title)), ...rows.map(line)].join("\n");
}

export function searchTable(hits: SearchHit[], maxWidth?: number): string {
  return renderTable(
    [
      { title: "NAME", align: "left", shrink: true },
      { title: "SIZE", align: "right" },
      { title: "SEEDERS", align: "right" },
      { title: "LEECHERS", align: "right" },
      { title: "HASH", align: "left" },
    ],
    hits.map((hit) => [terminalText(hit.name), formatBytes(hit.size), String(hit.seeders), String(hit.leechers), terminalText(hit.info_hash)]),
    maxWidth,
  );
}

export function detailsText(details: TorrentDetails, shareLink: string): string {
  const t = terminalText;
  const lines = [
    `name         ${t(details.name)}`,
    `info hash    ${t(details.info_hash)}`,
    `size         ${formatBytes(details.size)} (${details.size} bytes) in ${details.file_count} file${details.file_count === 1 ? "" : "s"}`,
    ...(details.piece_length ? [`piece size   ${formatBytes(details.piece_length)}`] : []),
    `peers        ${details.seeders} seeders, ${details.leechers} leechers, ${details.completed} completed`,
    `added        ${details.added}`,
    ...(details.tags.length > 0 ? [`tags         ${t(details.tags.join(", "))}`] : []),
    ...(details.description ? [`description  ${t(details.description)}`] : []),
    `magnet       ${t(details.magnet)}`,
    `share link   ${t(shareLink)}`,
    ...(details.torrent_url ? [`.torrent     ${t(details.torrent_url)}`] : []),
    "files",
    ...details.files.map((file) => `  ${formatBytes(file.length).padStart(10)}  ${t(file.path)}`),
  ];
  return lines.join("\n");
}

/** `get --list`: a header, then one line per file — its number for --select, size and path. */
/** A torrent's numbered files (`get --list`); names and paths are the publisher's, so they are cleaned. */
export function fileListText(info: Pick<TorrentInfo, "name" | "infoHash" | "length" | "files" | "pieces" | "pieceLength">): string {
  const width = String(info.files.length).length;
  return [
    `${stripUnsafe(info.name)}  ${formatBytes(info.length)} in ${info.files.length} file${info.files.length === 1 ? "" : "s"}, ${info.pieces} pieces of ${formatBytes(info.pieceLength)}  ${info.infoHash}`,
    ...info.files.map((file) => `${String(file.index + 1).padStart(width)}  ${formatBytes(file.length).padStart(10)}  ${stripUnsafe(file.path)}`),
  ].join("\n");
}

/** The progress bar's fields (cli-progress payload; names clear of its own tokens such as `{eta}`). */
export function progressFields(progress: Progress): Record<string, string> {
  return {
    held: formatBytes(progress.bytes),
    size: progress.total === null ? "?" : formatBytes(progress.total),
    down: formatSpeed(progress.downloadSpeed),
    up: formatSpeed(progress.uploadSpeed),
    peers: `${progress.peers} peer${progress.peers === 1 ? "" : "s"}`,
    pieces: `${progress.pieces.held}/${progress.pieces.total}`,
    timeLeft: progress.done ? "0s" : formatDuration(progress.etaMs),
  };
}

/** Rates as users type them: `500000`, `500k`, `1.5M` (bytes per second, powers of 1024). */
export function parseRate(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?(?:\/s)?$/i.exec(text.trim());
  if (!match) throw new Error(`not a rate: ${text} (e.g. 500k, 2M)`);
  const scale = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2]!.toLowerCase() as "" | "k" | "m" | "g"];
  return Math.round(Number(match[1]) * scale);
}
