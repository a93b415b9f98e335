// The deployment's addresses as the page hands them out: tracker sockets, magnets, share links.
// Layer: client/web (pure; a candidate for client/lib).

/** The tracker endpoints of the deployment at `origin` (http → ws, https → wss). */
export function trackerUrls(origin: string): { gateway: string; swarm: (infoHash: string) => string } {
  const url = new URL(origin);
  const base = `${url.protocol === "https:" ? "wss" : "ws"}://${url.host}`;
  return { gateway: `${base}/announce`, swarm: (infoHash) => `${base}/announce/${infoHash}` };
}

/** A magnet pointing at this deployment's swarm socket (protocol/directory.ts magnetLink, with the name optional). */
export function magnetFor(infoHash: string, origin: string, name?: string, size?: number): string {
  const parts = [`xt=urn:btih:${infoHash}`];
  if (name) parts.push(`dn=${encodeURIComponent(name)}`);
  if (size) parts.push(`xl=${size}`);
  parts.push(`tr=${encodeURIComponent(trackerUrls(origin).swarm(infoHash))}`);
  return `magnet:?${parts.join("&")}`;
}

/** The page's link that opens a torrent (`/#<info hash>`). */
export function shareLink(origin: string, infoHash: string): string {
  return `${origin}/#${infoHash}`;
}

/** The info hash a share link or route names, if any. */
export function infoHashFromRoute(hash: string): string | null {
  const match = /^#([0-9a-fA-F]{40})$/.exec(hash);
  return match ? match[1]!.toLowerCase() : null;
}
