// The one set of name rules (protocol/name-rules.ts) that the directory, the client library and the page apply.
import { describe, expect, it } from "vitest";
import { nameProblem, pathProblem, splitPath, stripUnsafe, visibleText } from "../../protocol/name-rules";

describe("a torrent name or path element", () => {
  it("is a plain name: letters, spaces, punctuation, other scripts, dots inside", () => {
    for (const name of ["Field notes.pdf", "Ubuntu.24.04-desktop_amd64.iso", "東京 2024", "Star Wars: A New Hope", "a..b", "x.", "…", "naïve café"]) {
      expect(nameProblem(name), name).toBeNull();
    }
  });

  it("is refused when it could leave its folder or name another one", () => {
    expect(nameProblem("")).toBe("empty");
    expect(nameProblem(".")).toBe("dot");
    expect(nameProblem("..")).toBe("dot");
    expect(nameProblem("../x")).toBe("separator");
    expect(nameProblem("a/b")).toBe("separator");
    expect(nameProblem("a\\b")).toBe("separator");
    expect(nameProblem("/etc")).toBe("separator");
    expect(nameProblem("C:")).toBe("drive");
    expect(nameProblem("c:evil")).toBe("drive");
  });

  it("is refused with NUL, control characters and text-direction overrides", () => {
    for (const name of ["a\u0000b", "a\nb", "a\rb", "\u001b[31mred", "a\u007fb", "a\u0085b", "a\u009bb", "photo\u202Egpj.exe", "a\u2066b\u2069", "a\u200Fb", "a\u061Cb"]) {
      expect(nameProblem(name), JSON.stringify(name)).toBe("control");
    }
  });

  it("refuses a leading dot unless dotfiles are allowed, and the client's own state names always", () => {
    expect(nameProblem(".bashrc")).toBe("dotfile");
    expect(nameProblem(".ssh")).toBe("dotfile");
    expect(nameProblem(".bashrc", { allowDotfiles: true })).toBeNull();
    expect(nameProblem(".edgeswarm", { allowDotfiles: true })).toBe("reserved");
    expect(nameProblem(".EdgeSwarm-0123.json", { allowDotfiles: true })).toBe("reserved");
  });
});

describe("a file path", () => {
  it("is judged element by element, and says which one", () => {
    expect(pathProblem(["docs", "a.txt"])).toBeNull();
    expect(pathProblem([".ssh", "authorized_keys"])).toEqual({ index: 0, problem: "dotfile" });
    expect(pathProblem(["a", "..", "b"])).toEqual({ index: 1, problem: "dot" });
    expect(pathProblem([])).toEqual({ index: 0, problem: "empty" });
  });

  it("written with slashes: absolute, doubled and trailing slashes give empty elements", () => {
    expect(pathProblem(splitPath("/etc/passwd"))).toEqual({ index: 0, problem: "empty" });
    expect(pathProblem(splitPath("a//b"))).toEqual({ index: 1, problem: "empty" });
    expect(pathProblem(splitPath("a/b/"))).toEqual({ index: 2, problem: "empty" });
    expect(pathProblem(splitPath("C:\\Windows\\x"))).toEqual({ index: 0, problem: "separator" });
  });
});

describe("text from peers and publishers", () => {
  it("loses every control and direction character on the way to a terminal", () => {
    expect(stripUnsafe("ok\u001b[2J\u202Etxt.exe\u0000\n")).toBe("ok[2Jtxt.exe");
  });

  it("shows them as codes on a page", () => {
    expect(visibleText("photo\u202Egpj.exe")).toBe("photo<U+202E>gpj.exe");
  });
});
