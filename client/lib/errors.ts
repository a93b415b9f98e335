// Typed failures of the client library: each says what went wrong in words a user can act on, and carries a
// `code` that callers (the CLI's exit codes, the page's messages) branch on. Layer: client/lib (platform-neutral).

export type ErrorCode =
  /** The deployment did not answer (connection refused, DNS, timeout). */
  | "unreachable"
  /** The directory lists nothing for the search words or info hash. */
  | "not_found"
  /** No peer connected within the timeout. */
  | "no_peers"
  /** Reading or writing files failed (missing input, no permission, disk full). */
  | "disk"
  /** The downloaded data does not match the torrent's piece hashes. */
  | "verification"
  /** The directory refused a request (its own error code is in `directoryCode`). */
  | "directory"
  /** The deployment answered with something that is not the API's shape. */
  | "bad_reply"
  /** The input (target, option) cannot be used. */
  | "usage"
  /** The peer was stopped while the operation ran. */
  | "stopped"
  /** The torrent names a file that may not be written (a path out of its folder, a control character, a dotfile). */
  | "unsafe_name"
  /** A file the download would write exists and was not created by an earlier run of the same download. */
  | "exists"
  /** The torrent failed inside WebTorrent for another reason. */
  | "torrent";

export class EdgeswarmError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "EdgeswarmError";
  }
}

export class ServerUnreachableError extends EdgeswarmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("unreachable", message, options);
    this.name = "ServerUnreachableError";
  }
}

export class NotFoundError extends EdgeswarmError {
  constructor(message: string) {
    super("not_found", message);
    this.name = "NotFoundError";
  }
}

export class NoPeersError extends EdgeswarmError {
  constructor(message: string) {
    super("no_peers", message);
    this.name = "NoPeersError";
  }
}

export class DiskError extends EdgeswarmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("disk", message, options);
    this.name = "DiskError";
  }
}

export class VerificationError extends EdgeswarmError {
  constructor(
    message: string,
    readonly badPieces: number[],
  ) {
    super("verification", message);
    this.name = "VerificationError";
  }
}

/** Refused before anything was written: the torrent's names break protocol/name-rules.ts. */
export class UnsafeNameError extends EdgeswarmError {
  constructor(
    message: string,
    /** Which rule (e.g. "dotfile", which `allowDotfiles` lifts). */
    readonly problem: string,
  ) {
    super("unsafe_name", message);
    this.name = "UnsafeNameError";
  }
}

/** Refused before anything was written: the download would replace a file it did not create. */
export class FileExistsError extends EdgeswarmError {
  constructor(
    message: string,
    readonly path: string,
    /** Whether `overwrite` would let the download replace it (never for links and folders in the way). */
    readonly overwritable: boolean,
  ) {
    super("exists", message);
    this.name = "FileExistsError";
  }
}

/** An error reply of the directory API (`{"error": {code, message}}`), with its HTTP status. */
export class DirectoryError extends EdgeswarmError {
  constructor(
    message: string,
    readonly status: number,
    readonly directoryCode: string,
  ) {
    super("directory", message);
    this.name = "DirectoryError";
  }
}

export class BadReplyError extends EdgeswarmError {
  constructor(message: string) {
    super("bad_reply", message);
    this.name = "BadReplyError";
  }
}

export class UsageError extends EdgeswarmError {
  constructor(message: string) {
    super("usage", message);
    this.name = "UsageError";
  }
}

export class StoppedError extends EdgeswarmError {
  constructor(message = "the peer was stopped") {
    super("stopped", message);
    this.name = "StoppedError";
  }
}

/** File-system error codes (Node's `error.code`) that mean "a disk problem", not a network one. */
const DISK_CODES = new Set(["ENOSPC", "EDQUOT", "EACCES", "EPERM", "EROFS", "EISDIR", "ENOTDIR", "EEXIST", "ENOENT", "EMFILE", "ENFILE", "EIO", "EBUSY", "ENAMETOOLONG"]);

/** The error's file-system code, if it is a disk error (directly or as its `cause`). */
export function diskErrorCode(error: unknown): string | null {
  for (let e: unknown = error, depth = 0; e && typeof e === "object" && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && DISK_CODES.has(code)) return code;
  }
  // Some stores stringify the error before it reaches us.
  const match = /\b(ENOSPC|EDQUOT|EACCES|EPERM|EROFS|EISDIR|ENOTDIR|EIO)\b/.exec(String(error));
  return match ? match[1]! : null;
}

const DISK_MESSAGES: Record<string, string> = {
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  EISDIR: "is a directory",
  ENOTDIR: "not a directory",
  EEXIST: "already exists",
  ENOENT: "no such file or directory",
  EIO: "input/output error",
};

/** "permission denied (EACCES)" for a disk error code. */
export function describeDiskError(code: string): string {
  return DISK_MESSAGES[code] ? `${DISK_MESSAGES[code]} (${code})` : code;
}

/** Any thrown value as an EdgeswarmError (disk errors recognised; the rest become `torrent`). */
export function asEdgeswarmError(error: unknown, context: string): EdgeswarmError {
  if (error instanceof EdgeswarmError) return error;
  const disk = diskErrorCode(error);
  if (disk) return new DiskError(`${context}: ${describeDiskError(disk)}`, { cause: error });
  const message = error instanceof Error ? error.message : String(error);
  return new EdgeswarmError("torrent", `${context}: ${message}`, { cause: error });
}
