// The page's routes: `#<info hash>` opens a torrent (share links, client/lib deployment.shareLink).
// Layer: client/web (pure).

/** The info hash a share link or route names, if any. */
export function infoHashFromRoute(hash: string): string | null {
  const match = /^#([0-9a-fA-F]{40})$/.exec(hash);
  return match ? match[1]!.toLowerCase() : null;
}
