// What a download may write (issue 10): the torrent's own names (client/lib/torrent-layout.ts), the files on
// disk (client/lib/download-guard.ts, against real temporary folders) and the default folder
// (client/lib/download-folder.ts).
import { lstat, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { defaultDownloadFolder } from "../../client/lib/download-folder";
import { STATE_FOLDER, guardDownloadFiles } from "../../client/lib/download-guard";
import { FileExistsError, UnsafeNameError } from "../../client/lib/errors";
import { layoutProblem } from "../../client/lib/torrent-layout";

const text = (s: string) => new TextEncoder().encode(s);
const HASH = "c9e15763f722f23e98a29decdfae341b98d53056";
const folders: string[] = [];

afterEach(async () => {
  await Promise.all(folders.splice(0).map((f) => rm(f, { recursive: true, force: true })));
});

async function folder(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "edgeswarm-guard-"));
  folders.push(dir);
  return dir;
}

describe("a torrent's names as its metadata spells them", () => {
  it("pass when every element is a plain name", () => {
    expect(layoutProblem({ name: text("Field notes"), files: [{ path: [text("a"), text("b.txt")], length: 1 }] })).toBeNull();
    expect(layoutProblem({ name: text("notes.txt"), length: 1 })).toBeNull();
  });

  it("are refused for what WebTorrent would fold away: '..' elements, separators, absolute paths", () => {
    expect(layoutProblem({ name: text("x"), files: [{ path: [text(".."), text(".bashrc")] }] })?.problem).toBe("dot");
    expect(layoutProblem({ name: text("x"), files: [{ path: [text("/etc"), text("passwd")] }] })?.problem).toBe("separator");
    expect(layoutProblem({ name: text("../../x"), length: 1 })?.problem).toBe("separator");
    expect(layoutProblem({ name: text("x"), files: [{ path: [] }] })?.problem).toBe("empty");
  });

  it("are judged in both spellings, and control characters are refused and never echoed", () => {
    const problem = layoutProblem({ name: text("fine"), "name.utf-8": text("evil\u001b]0;pwned\u0007"), length: 1 });
    expect(problem?.problem).toBe("control");
    expect(problem?.message).not.toMatch(/[\u0000-\u001f]/);
    expect(layoutProblem({ name: text("x"), files: [{ "path.utf-8": [text("ok")], path: [text("..")] }] })?.problem).toBe("dot");
  });

  it("refuse dotfiles unless allowed", () => {
    expect(layoutProblem({ name: text(".bashrc"), length: 1 })?.problem).toBe("dotfile");
    expect(layoutProblem({ name: text(".ssh"), files: [{ path: [text("authorized_keys")] }] })?.problem).toBe("dotfile");
    expect(layoutProblem({ name: text(".bashrc"), length: 1 }, { allowDotfiles: true })).toBeNull();
  });
});

describe("the files a download will write", () => {
  it("may be created where nothing is; the record of them is written first", async () => {
    const dir = await folder();
    guardDownloadFiles(dir, HASH, [{ path: "album/01.flac" }, { path: "album/cover.jpg" }]);
    expect(await readdir(dir)).toEqual([STATE_FOLDER]); // nothing of the torrent yet
    const record = JSON.parse(await readFile(path.join(dir, STATE_FOLDER, `${HASH}.json`), "utf8"));
    expect(record).toEqual({ info_hash: HASH, files: ["album/01.flac", "album/cover.jpg"] });
  });

  it("never replace a file this download did not create, unless told to", async () => {
    const dir = await folder();
    await writeFile(path.join(dir, "notes.txt"), "mine");
    expect(() => guardDownloadFiles(dir, HASH, [{ path: "notes.txt" }])).toThrow(FileExistsError);
    expect(await readdir(dir)).toEqual(["notes.txt"]);
    guardDownloadFiles(dir, HASH, [{ path: "notes.txt" }], { overwrite: true });
    expect(await readFile(path.join(dir, "notes.txt"), "utf8")).toBe("mine"); // the guard itself writes no file
  });

  it("let a later run of the same download resume its own files, and no other download", async () => {
    const dir = await folder();
    guardDownloadFiles(dir, HASH, [{ path: "movie/part1.mkv" }]);
    await mkdir(path.join(dir, "movie"));
    await writeFile(path.join(dir, "movie/part1.mkv"), "half");
    guardDownloadFiles(dir, HASH, [{ path: "movie/part1.mkv" }]);
    expect(() => guardDownloadFiles(dir, "0".repeat(40), [{ path: "movie/part1.mkv" }])).toThrow(FileExistsError);
  });

  it("never write through a symbolic link, not even with overwrite", async () => {
    const dir = await folder();
    const elsewhere = await folder();
    await symlink(elsewhere, path.join(dir, "docs"));
    expect(() => guardDownloadFiles(dir, HASH, [{ path: "docs/new.txt" }], { overwrite: true })).toThrow(/symbolic link/);
    await symlink(path.join(elsewhere, "target"), path.join(dir, "file.txt"));
    expect(() => guardDownloadFiles(dir, HASH, [{ path: "file.txt" }], { overwrite: true })).toThrow(/symbolic link/);
    expect(await readdir(elsewhere)).toEqual([]);
  });

  it("checks the name WebTorrent's store will really use (it drops <>:\"|?* from the last element)", async () => {
    const dir = await folder();
    await writeFile(path.join(dir, "ab.txt"), "mine");
    expect(() => guardDownloadFiles(dir, HASH, [{ path: "a?b.txt" }])).toThrow(/ab\.txt exists/);
    expect(() => guardDownloadFiles(dir, HASH, [{ path: "../x" }])).toThrow(UnsafeNameError);
  });

  it("refuse a state folder that is not a real folder", async () => {
    const dir = await folder();
    await writeFile(path.join(dir, STATE_FOLDER), "not a folder");
    expect(() => guardDownloadFiles(dir, HASH, [{ path: "a.txt" }])).toThrow(/in the way/);
    expect((await lstat(path.join(dir, STATE_FOLDER))).isFile()).toBe(true);
  });
});

describe("the default download folder", () => {
  const files = (entries: Record<string, string>) => (file: string) => entries[file] ?? null;
  it("follows XDG_DOWNLOAD_DIR from user-dirs.dirs, then the variable, then ~/Downloads", () => {
    const home = "/home/ada";
    const dirs = { "/home/ada/.config/user-dirs.dirs": '# comment\nXDG_DESKTOP_DIR="$HOME/Desktop"\nXDG_DOWNLOAD_DIR="$HOME/Téléchargements"\n' };
    expect(defaultDownloadFolder({ platform: "linux", home, env: {}, readText: files(dirs) })).toBe("/home/ada/Téléchargements");
    expect(defaultDownloadFolder({ platform: "linux", home, env: { XDG_DOWNLOAD_DIR: "/data/dl" }, readText: files({}) })).toBe("/data/dl");
    expect(defaultDownloadFolder({ platform: "linux", home, env: { XDG_CONFIG_HOME: "/cfg" }, readText: files({ "/cfg/user-dirs.dirs": 'XDG_DOWNLOAD_DIR="/mnt/dl"' }) })).toBe("/mnt/dl");
    expect(defaultDownloadFolder({ platform: "linux", home, env: {}, readText: files({ "/home/ada/.config/user-dirs.dirs": 'XDG_DOWNLOAD_DIR="$HOME/"' }) })).toBe("/home/ada/Downloads");
    expect(defaultDownloadFolder({ platform: "linux", home, env: { XDG_DOWNLOAD_DIR: "relative" }, readText: files({}) })).toBe("/home/ada/Downloads");
  });

  it("is ~/Downloads on macOS and %USERPROFILE%\\Downloads on Windows, never the current folder", () => {
    expect(defaultDownloadFolder({ platform: "darwin", home: "/Users/ada", env: {}, readText: () => null })).toBe("/Users/ada/Downloads");
    expect(defaultDownloadFolder({ platform: "win32", home: "C:\\Users\\ada", env: {}, readText: () => null })).toBe("C:\\Users\\ada\\Downloads");
  });
});
