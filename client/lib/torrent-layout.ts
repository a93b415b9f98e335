// A torrent's names as its metadata spells them, judged by the one set of name rules (protocol/name-rules.ts)
// before a download writes anything (issue 10). Layer: client/lib (platform-neutral).
//
// WebTorrent (through parse-torrent) joins `name` and each file's path with path.join, which quietly folds
// "a/../../x" into "x": its `torrent.files[i].path` can no longer show a climbing path. So the raw info
// dictionary is read here, in both spellings a client may use (`name.utf-8` or `name`, `path.utf-8` or
// `path`), and every element of every one must be a plain name.
import { describeNameProblem, describePathProblem, nameProblem, pathProblem, stripUnsafe, type NameProblem, type NameRuleOptions } from "../../protocol/name-rules";

export type LayoutProblem = { problem: NameProblem; message: string };

const utf8 = new TextDecoder("utf-8");

function text(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return utf8.decode(value);
  return null;
}

/** Shown in messages: quoted, without characters that would rewrite a terminal line. */
export function quoteName(name: string): string {
  return JSON.stringify(stripUnsafe(name));
}

/**
 * The first name or path element of a torrent (its BEP 3 `info` dictionary, as WebTorrent keeps it in
 * `torrent.info`) that may not be written, or null when all may. Metadata without a readable name or with
 * malformed file lists counts as a problem too: nothing is written on a guess.
 */
export function layoutProblem(info: unknown, options: NameRuleOptions = {}): LayoutProblem | null {
  if (typeof info !== "object" || info === null) return { problem: "empty", message: "the torrent's metadata has no info dictionary" };
  const dict = info as Record<string, unknown>;
  const names = [dict["name.utf-8"], dict.name].filter((v) => v !== undefined).map(text);
  if (names.length === 0 || names.some((n) => n === null)) return { problem: "empty", message: "the torrent has no readable name" };
  for (const name of names as string[]) {
    const problem = nameProblem(name, options);
    if (problem) return { problem, message: `the torrent's name ${quoteName(name)} ${describeNameProblem(problem)}` };
  }
  if (dict.files === undefined) return null; // single file: written as <folder>/<name>
  if (!Array.isArray(dict.files)) return { problem: "empty", message: "the torrent's file list is malformed" };
  for (const file of dict.files as unknown[]) {
    const entry = (typeof file === "object" && file !== null ? file : {}) as Record<string, unknown>;
    if (entry["path.utf-8"] === undefined && entry.path === undefined) return { problem: "empty", message: "a file of the torrent has no path" };
    for (const spelling of [entry["path.utf-8"], entry.path]) {
      if (spelling === undefined) continue;
      const elements = Array.isArray(spelling) ? spelling.map(text) : null;
      if (!elements || elements.some((e) => e === null)) return { problem: "empty", message: "a file path of the torrent is malformed" };
      const found = pathProblem(elements as string[], options);
      if (found) {
        const shown = quoteName((elements as string[]).join("/"));
        return { problem: found.problem, message: `the torrent's file path ${shown} ${describePathProblem(found, elements as string[])}` };
      }
    }
  }
  return null;
}
