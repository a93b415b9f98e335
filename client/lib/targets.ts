// What a user asks to download: a magnet link, an info hash (hex or base32), a page share link
// (`…/#<hash>`), or search words for the directory. Layer: client/lib (pure, platform-neutral).
import { parseMagnet } from "../../protocol/magnet";
import { UsageError } from "./errors";

export type Target =
  | { kind: "magnet"; infoHash: string; name: string | null; magnet: string }
  | { kind: "hash"; infoHash: string }
  | { kind: "words"; query: string };

export function parseTarget(input: string): Target {
  const text = input.trim().replace(/\s+/g, " ");
  if (text === "") throw new UsageError("nothing to download: give a magnet link, an info hash or search words");
  if (/^magnet:/i.test(text)) {
    const magnet = parseMagnet(text);
    if (!magnet) throw new UsageError("not a usable magnet link: it needs xt=urn:btih:<info hash>");
    return { kind: "magnet", infoHash: magnet.infoHash, name: magnet.name, magnet: text };
  }
  const infoHash = infoHashOf(text) ?? infoHashOfShareLink(text);
  if (infoHash) return { kind: "hash", infoHash };
  return { kind: "words", query: text };
}

/** A bare info hash: 40 hex digits, or 32 base32 characters (BEP 9). */
export function infoHashOf(text: string): string | null {
  if (/^[0-9a-f]{40}$/i.test(text)) return text.toLowerCase();
  if (/^[a-z2-7]{32}$/i.test(text)) return parseMagnet(`magnet:?xt=urn:btih:${text}`)?.infoHash ?? null;
  return null;
}

/** The info hash of a page link, `http(s)://host/#<hash>`. */
function infoHashOfShareLink(text: string): string | null {
  if (!/^https?:\/\//i.test(text)) return null;
  try {
    const hash = new URL(text).hash.replace(/^#/, "");
    return /^[0-9a-f]{40}$/i.test(hash) ? hash.toLowerCase() : null;
  } catch {
    return null;
  }
}
