// The piece map: which pieces this peer holds and, for the rest, how many connected peers hold each — the
// rarity that rarest-first piece selection works from, made visible. Layer: client/web.
import type { BitFieldLike } from "./browser-peer";

/** How many of the given peers hold each piece (what webtorrent's rarity map counts, from the same wires). */
export function pieceAvailability(pieceCount: number, peers: readonly BitFieldLike[]): Uint16Array {
  const counts = new Uint16Array(pieceCount);
  for (const pieces of peers) {
    for (let i = 0; i < pieceCount; i++) if (pieces.get(i)) counts[i]!++;
  }
  return counts;
}

/** Rarity classes, darkest (rarest) first; the legend and the drawing share them. */
export type PieceClass = "held" | "rare" | "uncommon" | "common" | "absent";

export function pieceClass(held: boolean, peersWithPiece: number): PieceClass {
  if (held) return "held";
  if (peersWithPiece === 0) return "absent";
  if (peersWithPiece === 1) return "rare";
  if (peersWithPiece === 2) return "uncommon";
  return "common";
}

export type PieceSummary = { total: number; held: number } & Record<Exclude<PieceClass, "held">, number>;

export function summarize(pieceCount: number, held: BitFieldLike | null, availability: Uint16Array): PieceSummary {
  const summary: PieceSummary = { total: pieceCount, held: 0, rare: 0, uncommon: 0, common: 0, absent: 0 };
  for (let i = 0; i < pieceCount; i++) {
    const cls = pieceClass(held?.get(i) ?? false, availability[i] ?? 0);
    summary[cls]++;
  }
  return summary;
}

export const PIECE_CLASS_LABELS: Record<PieceClass, string> = {
  held: "held here",
  rare: "on 1 peer (rarest)",
  uncommon: "on 2 peers",
  common: "on 3+ peers",
  absent: "on no connected peer",
};

/** Grid geometry: square cells sized so the whole torrent fits a map at most `maxHeight` tall. */
export function gridFor(pieceCount: number, width: number, maxHeight: number): { cell: number; columns: number; rows: number } {
  const gap = 1;
  let cell = 18;
  for (; cell > 2; cell--) {
    const columns = Math.max(1, Math.floor((width + gap) / (cell + gap)));
    const rows = Math.ceil(pieceCount / columns);
    if (rows * (cell + gap) - gap <= maxHeight) return { cell, columns, rows };
  }
  const columns = Math.max(1, Math.floor((width + gap) / (cell + gap)));
  return { cell, columns, rows: Math.ceil(pieceCount / columns) };
}

/** Draws the map on a canvas, in the colours the style sheet defines (--piece-held, --piece-rare, …). */
export function drawPieceMap(canvas: HTMLCanvasElement, pieceCount: number, held: BitFieldLike | null, availability: Uint16Array): void {
  const width = Math.max(1, Math.floor(canvas.parentElement?.clientWidth ?? canvas.clientWidth ?? 300));
  const { cell, columns, rows } = gridFor(Math.max(1, pieceCount), width, 220);
  const gap = 1;
  const height = Math.max(cell, rows * (cell + gap) - gap);
  const ratio = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
  }
  const context = canvas.getContext("2d");
  if (!context) return;
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);
  const style = getComputedStyle(canvas);
  const colours: Record<PieceClass, string> = {
    held: style.getPropertyValue("--piece-held").trim() || "#0f766e",
    rare: style.getPropertyValue("--piece-rare").trim() || "#c2410c",
    uncommon: style.getPropertyValue("--piece-uncommon").trim() || "#f59e0b",
    common: style.getPropertyValue("--piece-common").trim() || "#fde68a",
    absent: style.getPropertyValue("--piece-absent").trim() || "#d4d4d8",
  };
  const radius = cell >= 8 ? 2 : 0;
  for (let i = 0; i < pieceCount; i++) {
    context.fillStyle = colours[pieceClass(held?.get(i) ?? false, availability[i] ?? 0)];
    const x = (i % columns) * (cell + gap);
    const y = Math.floor(i / columns) * (cell + gap);
    if (radius > 0) {
      context.beginPath();
      context.roundRect(x, y, cell, cell, radius);
      context.fill();
    } else {
      context.fillRect(x, y, cell, cell);
    }
  }
}
