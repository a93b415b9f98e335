// Magnet links (BEP 9) without zod, so that browser bundles of the client library stay small (zod 4 classic
// does not tree-shake: importing protocol/directory.ts adds ~450 KB). directory.ts re-exports it.
// Layer: protocol (no imports).

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/** The info hash and display name of a `magnet:?xt=urn:btih:…` link (hex or base32 hash), or null. */
export function parseMagnet(link: string): { infoHash: string; name: string | null } | null {
  if (!link.toLowerCase().startsWith("magnet:?")) return null;
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(link.slice("magnet:?".length));
  } catch {
    return null;
  }
  for (const xt of params.getAll("xt")) {
    const match = /^urn:btih:([0-9a-z]+)$/i.exec(xt);
    if (!match) continue;
    const id = match[1]!.toLowerCase();
    const infoHash = id.length === 40 && /^[0-9a-f]+$/.test(id) ? id : id.length === 32 ? base32ToHex(id) : null;
    if (infoHash) return { infoHash, name: params.get("dn") };
  }
  return null;
}

function base32ToHex(value: string): string | null {
  let bits = 0;
  let buffer = 0;
  let hex = "";
  for (const char of value) {
    const index = BASE32.indexOf(char);
    if (index < 0) return null;
    buffer = (buffer << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      hex += ((buffer >> bits) & 0xff).toString(16).padStart(2, "0");
    }
  }
  return hex.length === 40 ? hex : null;
}
