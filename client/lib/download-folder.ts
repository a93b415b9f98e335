// Where downloads go when the user names no folder: the platform's downloads folder, never the current
// directory (issue 10: a torrent named .bashrc fetched from a home directory replaced the user's own).
// Layer: client/lib, Node entry (pure: the environment comes in as an argument).
import path from "node:path";

export type DownloadFolderEnvironment = {
  platform: NodeJS.Platform;
  home: string;
  env: Record<string, string | undefined>;
  /** Reads a text file, or returns null when it is missing or unreadable. */
  readText: (file: string) => string | null;
};

/**
 * Linux and other XDG systems: XDG_DOWNLOAD_DIR from `$XDG_CONFIG_HOME/user-dirs.dirs` (what `xdg-user-dir
 * DOWNLOAD` prints: the file wins over the variable), else the variable, else ~/Downloads. A setting equal to
 * the home folder means "no downloads folder" there, so ~/Downloads is used instead. macOS: ~/Downloads;
 * Windows: %USERPROFILE%\Downloads (Node's home folder is USERPROFILE).
 */
export function defaultDownloadFolder({ platform, home, env, readText }: DownloadFolderEnvironment): string {
  const fallback = (platform === "win32" ? path.win32 : path.posix).join(home, "Downloads");
  if (platform === "win32" || platform === "darwin") return fallback;
  const configHome = env.XDG_CONFIG_HOME && path.posix.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.posix.join(home, ".config");
  const fromFile = xdgDownloadDir(readText(path.posix.join(configHome, "user-dirs.dirs")) ?? "", home);
  const chosen = fromFile ?? expandHome(env.XDG_DOWNLOAD_DIR, home);
  if (!chosen || path.posix.resolve(chosen) === path.posix.resolve(home)) return fallback;
  return chosen;
}

/** The XDG_DOWNLOAD_DIR line of a user-dirs.dirs file ("$HOME/…" or an absolute path, shell-quoted). */
function xdgDownloadDir(text: string, home: string): string | null {
  for (const line of text.split("\n")) {
    const match = /^\s*XDG_DOWNLOAD_DIR\s*=\s*"((?:[^"\\]|\\.)*)"\s*$/.exec(line);
    if (match) return expandHome(match[1]!.replace(/\\(.)/g, "$1"), home);
  }
  return null;
}

function expandHome(value: string | undefined, home: string): string | null {
  if (!value) return null;
  const expanded = value.replace(/^\$HOME(?=\/|$)/, home).replace(/^\$\{HOME\}(?=\/|$)/, home);
  return path.posix.isAbsolute(expanded) ? expanded : null;
}
