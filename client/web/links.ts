// The page's routes and what a user may paste: `#<info hash>` (share links, client/lib deployment.shareLink;
// hex or base32) and `#magnet:?xt=…` (any magnet, also one from elsewhere). Layer: client/web (pure).
import { infoHashOf, parseTarget } from "../lib/browser";

export type Openable = { kind: "hash"; infoHash: string } | { kind: "magnet"; infoHash: string; magnet: string };

/** What a location fragment opens, if anything. */
export function routeOf(fragment: string): Openable | null {
  const text = fragment.replace(/^#/, "");
  if (text === "") return null;
  // A magnet as typed, or percent-encoded whole (`#magnet%3A%3Fxt%3D…`, as some sites link it).
  if (/^magnet(:|%3A)/i.test(text)) return magnetOf(text) ?? magnetOf(safeDecode(text));
  const infoHash = infoHashOf(text);
  return infoHash ? { kind: "hash", infoHash } : null;
}

/** The info hash a route names, if any. */
export function infoHashFromRoute(fragment: string): string | null {
  return routeOf(fragment)?.infoHash ?? null;
}

/** What pasted text opens: a magnet, an info hash, or a share link; an error in words otherwise. */
export function openableFromText(input: string): Openable | { error: string } {
  const text = input.trim();
  if (text === "") return { error: "Paste a magnet link, an info hash or a share link." };
  try {
    const target = parseTarget(text);
    if (target.kind === "magnet") return { kind: "magnet", infoHash: target.infoHash, magnet: text };
    if (target.kind === "hash") return { kind: "hash", infoHash: target.infoHash };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
  // A link to some page whose fragment is a route (another deployment's share link, a magnet in a fragment).
  try {
    const route = routeOf(new URL(text).hash);
    if (route) return route;
  } catch {
    // not a URL
  }
  return { error: "That is not a magnet link (magnet:?xt=urn:btih:…), an info hash (40 hex characters) or a share link." };
}

/** The fragment that opens something (magnets keep their own encoding). */
export function routeFor(openable: Openable): string {
  return openable.kind === "magnet" ? `#${openable.magnet}` : `#${openable.infoHash}`;
}

function magnetOf(text: string): Openable | null {
  try {
    const target = parseTarget(text);
    return target.kind === "magnet" ? { kind: "magnet", infoHash: target.infoHash, magnet: text } : null;
  } catch {
    return null;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
