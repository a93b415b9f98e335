// Which torrent names and file paths are safe to list and to write to disk (issue 10): one set of rules for the
// directory (publish refuses what breaks them), the client library (nothing is written before they pass) and
// the page (which shows names through `visibleText`). Layer: protocol (pure; no imports).
//
// A torrent's files land at <output folder>/<name>/<path elements…> (a single-file torrent at
// <output folder>/<name>), so every element must stay one plain name inside its parent.

/**
 * Characters a name may never hold and a terminal must never receive from a peer or publisher: C0 and C1
 * controls (NUL, ESC sequences, newlines), DEL, and the bidirectional controls that reorder what is shown
 * (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069: "photo\u202Egpj.exe" displays as "photoexe.jpg").
 */
export const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
const HAS_UNSAFE = new RegExp(UNSAFE_CHARACTERS.source, "u");

/** What the client keeps next to a download (client/lib/download-guard.ts); no torrent may name it. */
export const RESERVED_PREFIX = ".edgeswarm";

export type NameRuleOptions = {
  /** Allow elements that start with "." (hidden files such as .bashrc, .ssh). The directory lists them; the CLI asks for --allow-dotfiles. */
  allowDotfiles?: boolean;
};

export type NameProblem = "empty" | "dot" | "separator" | "control" | "drive" | "dotfile" | "reserved";

const REASONS: Record<NameProblem, string> = {
  empty: "is empty",
  dot: "is '.' or '..'",
  separator: "holds a path separator ('/' or '\\')",
  control: "holds a control or text-direction character",
  drive: "starts with a drive letter (like 'C:')",
  dotfile: "starts with '.' (a hidden file)",
  reserved: `starts with '${RESERVED_PREFIX}', which edgeswarm keeps for itself`,
};

/** Words for a problem, to follow "name" / "file path element" in a message. */
export function describeNameProblem(problem: NameProblem): string {
  return REASONS[problem];
}

/** What is wrong with one name or path element, or null when it is a plain name. */
export function nameProblem(element: string, options: NameRuleOptions = {}): NameProblem | null {
  if (element.length === 0) return "empty";
  if (element === "." || element === "..") return "dot";
  if (element.includes("/") || element.includes("\\")) return "separator";
  if (HAS_UNSAFE.test(element)) return "control";
  // "C:x" is relative to drive C's current folder on Windows: never a plain name there.
  if (/^[A-Za-z]:/.test(element)) return "drive";
  if (element.toLowerCase().startsWith(RESERVED_PREFIX)) return "reserved";
  if (element.startsWith(".") && !options.allowDotfiles) return "dotfile";
  return null;
}

/** The first bad element of a path given as elements (a .torrent's `path` list), with its index. */
export function pathProblem(elements: readonly string[], options: NameRuleOptions = {}): { index: number; problem: NameProblem } | null {
  if (elements.length === 0) return { index: 0, problem: "empty" };
  for (let index = 0; index < elements.length; index++) {
    const problem = nameProblem(elements[index]!, options);
    if (problem) return { index, problem };
  }
  return null;
}

/**
 * A path written as text with "/" between elements (the directory's JSON `files[].path`). A leading "/" (an
 * absolute path) or a doubled one gives an empty element; "a\\b" keeps its backslash and is refused as a
 * separator, so Windows paths never pass as names.
 */
export function splitPath(path: string): string[] {
  return path.split("/");
}

/** A message for a path refused by `pathProblem` ("file path ... element 2 is '..'"). */
export function describePathProblem(found: { index: number; problem: NameProblem }, elements: readonly string[]): string {
  if (found.problem === "empty" && found.index === 0 && elements.length > 1) return "is absolute (starts with '/') or empty";
  return elements.length === 1 ? describeNameProblem(found.problem) : `has an element (${found.index + 1} of ${elements.length}) that ${describeNameProblem(found.problem)}`;
}

/** Text with the unsafe characters removed, for a terminal or a log line. */
export function stripUnsafe(text: string): string {
  return text.replace(UNSAFE_CHARACTERS, "");
}

/** Text with each unsafe character shown as a visible code (U+202E → "<U+202E>"), for a page that must not hide it. */
export function visibleText(text: string): string {
  return text.replace(UNSAFE_CHARACTERS, (c) => `<U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}>`);
}
