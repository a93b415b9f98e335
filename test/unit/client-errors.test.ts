import { describe, expect, it } from "vitest";
import { DiskError, EdgeswarmError, NoPeersError, asEdgeswarmError, diskErrorCode } from "../../client/lib/errors";

describe("errors met while moving data", () => {
  it("are disk errors when a file-system code says so, directly or as the cause", () => {
    expect(diskErrorCode(Object.assign(new Error("write failed"), { code: "ENOSPC" }))).toBe("ENOSPC");
    expect(diskErrorCode(new Error("store", { cause: Object.assign(new Error("x"), { code: "EACCES" }) }))).toBe("EACCES");
    expect(diskErrorCode("Error: EROFS: read-only file system, open '/x'")).toBe("EROFS");
    expect(diskErrorCode(Object.assign(new Error("refused"), { code: "ECONNREFUSED" }))).toBeNull();
  });

  it("become typed errors with a message that says what was being done", () => {
    const disk = asEdgeswarmError(Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" }), "downloading x.iso");
    expect(disk).toBeInstanceOf(DiskError);
    expect(disk.message).toBe("downloading x.iso: no space left on the device (ENOSPC)");
    const other = asEdgeswarmError("Malformed torrent data", "downloading y");
    expect(other).toMatchObject({ code: "torrent", message: "downloading y: Malformed torrent data" });
    const typed = new NoPeersError("none");
    expect(asEdgeswarmError(typed, "ignored")).toBe(typed);
    expect(typed).toBeInstanceOf(EdgeswarmError);
  });
});
