// What the page keeps to resume a download after a reload or a browser restart, next to its OPFS store (see
// opfs-stores.ts): the .torrent (or the magnet, before the metadata came), the chosen files, the trackers the
// user kept and whether it was paused. One IndexedDB record per info hash. Layer: client/web (browser).

export type LibraryRecord = {
  infoHash: string;
  name: string;
  /** Total bytes (0 until the metadata is in). */
  length: number;
  /** The metainfo once known: resuming then needs no peer for the metadata. */
  torrentFile: Uint8Array | null;
  /** What it was opened with (directory magnet, a magnet from elsewhere). */
  magnet: string;
  /** 0-based file indexes, or null for every file. */
  selection: number[] | null;
  /** Trackers besides this deployment's that the user kept (WebSocket ones). */
  trackers: string[];
  paused: boolean;
  /** Fraction of the selection held when last seen, for the list (the store is checked on resume). */
  progress: number;
  done: boolean;
  addedAt: number;
};

const DB_NAME = "edgeswarm";
const STORE = "library";

let opening: Promise<IDBDatabase> | null = null;

function open(): Promise<IDBDatabase> {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "infoHash" });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error("IndexedDB could not be opened"));
  });
  opening.catch(() => (opening = null));
  return opening;
}

function run<T>(mode: IDBTransactionMode, action: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return open().then(
    (db) =>
      new Promise<T>((resolve, reject) => {
        const tx = db.transaction(STORE, mode);
        const request = action(tx.objectStore(STORE));
        tx.oncomplete = () => resolve(request.result);
        tx.onerror = () => reject(tx.error ?? new Error("IndexedDB transaction failed"));
        tx.onabort = () => reject(tx.error ?? new Error("IndexedDB transaction aborted"));
      }),
  );
}

export function allRecords(): Promise<LibraryRecord[]> {
  return run("readonly", (store) => store.getAll() as IDBRequest<LibraryRecord[]>).catch(() => []);
}

export function getRecord(infoHash: string): Promise<LibraryRecord | null> {
  return run("readonly", (store) => store.get(infoHash) as IDBRequest<LibraryRecord | undefined>).then((r) => r ?? null, () => null);
}

export async function putRecord(record: LibraryRecord): Promise<void> {
  await run("readwrite", (store) => store.put(record));
}

/**
 * Changes some fields of a kept record (nothing when none is kept). Read and write share one transaction: two
 * changes at once cannot undo each other, and a page closed right after (pause, then reload) has the write
 * already queued rather than waiting for a second transaction that may never start.
 */
export async function updateRecord(infoHash: string, change: Partial<LibraryRecord>): Promise<void> {
  const db = await open();
  await new Promise<void>((resolve, reject) => {
    const tx = db.transaction(STORE, "readwrite");
    const store = tx.objectStore(STORE);
    const read = store.get(infoHash) as IDBRequest<LibraryRecord | undefined>;
    read.onsuccess = () => {
      if (read.result) store.put({ ...read.result, ...change });
    };
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error("IndexedDB transaction failed"));
    tx.onabort = () => reject(tx.error ?? new Error("IndexedDB transaction aborted"));
  });
}

export async function deleteRecord(infoHash: string): Promise<void> {
  await run("readwrite", (store) => store.delete(infoHash));
}
