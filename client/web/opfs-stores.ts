// Downloads live in the origin private file system (OPFS): webtorrent's browser build picks fsa-chunk-store
// when the browser has OPFS writable streams, one file per piece in a folder named "<name> - <hash prefix>".
// A download's folder outlives the tab on purpose: the page resumes it after a reload or a browser restart
// (library-store.ts keeps its metadata). Each tab holds a Web Lock per torrent it stores, so two tabs never
// write one folder, and a page that starts up removes only folders that no open tab holds and no kept download
// owns (left by a page version without resume, or by a record the user removed). Layer: client/web (browser).

const LOCK_PREFIX = "edgeswarm-store:";
/** fsa-chunk-store's folder name: `${torrent.name} - ${infoHash.slice(0, 8)}`. */
const STORE_DIR = / - ([0-9a-f]{8})$/;

type DirectoryEntries = { entries(): AsyncIterable<[string, FileSystemHandle]> };

/** Whether webtorrent will store downloads on disk here (else it falls back to memory). */
export function opfsAvailable(): boolean {
  const handle = (globalThis as { FileSystemFileHandle?: { prototype: object } }).FileSystemFileHandle;
  return typeof navigator.storage?.getDirectory === "function" && !!handle && "createWritable" in handle.prototype;
}

/**
 * Claims the store of a torrent for this tab until `release` is called (or the tab goes away).
 * Null when another tab of this origin already holds it: two tabs writing one folder would corrupt it.
 */
export function claimStore(infoHash: string): Promise<(() => void) | null> {
  if (!("locks" in navigator)) return Promise.resolve(() => undefined);
  return new Promise((resolve) => {
    void navigator.locks.request(LOCK_PREFIX + infoHash.slice(0, 8), { ifAvailable: true }, (lock) => {
      if (!lock) {
        resolve(null);
        return undefined;
      }
      return new Promise<void>((release) => resolve(release));
    });
  });
}

/**
 * Removes the stores of torrents no open tab holds and `keep` (info hashes of kept downloads) does not name.
 * Returns how many.
 */
export async function removeOrphanStores(keep: ReadonlySet<string> = new Set()): Promise<number> {
  const kept = new Set([...keep].map((hash) => hash.slice(0, 8)));
  if (!opfsAvailable() || !("locks" in navigator)) return 0;
  const root = await navigator.storage.getDirectory();
  const names: string[] = [];
  for await (const [name, handle] of (root as unknown as DirectoryEntries).entries()) {
    if (handle.kind === "directory" && STORE_DIR.test(name)) names.push(name);
  }
  let removed = 0;
  for (const name of names) {
    const prefix = STORE_DIR.exec(name)![1]!;
    if (kept.has(prefix)) continue;
    await navigator.locks.request(LOCK_PREFIX + prefix, { ifAvailable: true }, async (lock) => {
      if (!lock) return;
      await root.removeEntry(name, { recursive: true }).catch(() => undefined);
      removed++;
    });
  }
  return removed;
}

/** Removes the store folder(s) of one torrent that no tab is using (a kept download the user removed). */
export async function removeStoreOf(infoHash: string): Promise<void> {
  if (!opfsAvailable()) return;
  const root = await navigator.storage.getDirectory();
  const suffix = ` - ${infoHash.slice(0, 8)}`;
  const names: string[] = [];
  for await (const [name, handle] of (root as unknown as DirectoryEntries).entries()) {
    if (handle.kind === "directory" && name.endsWith(suffix)) names.push(name);
  }
  for (const name of names) await root.removeEntry(name, { recursive: true }).catch(() => undefined);
}

/** Whether an error is the browser refusing to store more (quota). */
export function isQuotaError(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name ?? "";
  return name === "QuotaExceededError" || /quota/i.test(error instanceof Error ? error.message : String(error));
}

/** Bytes this origin stores and may store (the browser's quota), when the browser tells. */
export async function storageEstimate(): Promise<{ usage: number; quota: number } | null> {
  try {
    const estimate = await navigator.storage?.estimate?.();
    if (!estimate || estimate.quota === undefined) return null;
    return { usage: estimate.usage ?? 0, quota: estimate.quota };
  } catch {
    return null;
  }
}
