// Choosing files (client/lib/file-selection.ts): the CLI's --select syntax, the pieces a choice spans, and the
// progress and completeness of a partial download.
import { describe, expect, it } from "vitest";
import { applySelection, parseFileSelection, piecesOfSelection, selectionDone, selectionPieceBytes, selectionProgress } from "../../client/lib/file-selection";

// Three files over 10-byte pieces: [0,25) [25,40) [40,61) → pieces 0-2, 2-3, 4-6.
const layout = { pieceLength: 10, length: 61, files: [{ offset: 0, length: 25 }, { offset: 25, length: 15 }, { offset: 40, length: 21 }] };

describe("--select", () => {
  it("reads 1-based numbers and ranges into sorted 0-based indexes", () => {
    expect(parseFileSelection("2,5-7")).toEqual([1, 4, 5, 6]);
    expect(parseFileSelection(" 3 , 1-2 ,2")).toEqual([0, 1, 2]);
  });
  it("says what is wrong", () => {
    expect(() => parseFileSelection("")).toThrow(/needs file numbers/);
    expect(() => parseFileSelection("0")).toThrow(/numbers start at 1/);
    expect(() => parseFileSelection("3-2")).toThrow(/a range goes up/);
    expect(() => parseFileSelection("a")).toThrow(/not a file number or range: "a"/);
    expect(() => parseFileSelection("4", 3)).toThrow("file 4 does not exist: the torrent has 3 files (see --list)");
  });
});

describe("a selection's pieces", () => {
  it("include the pieces shared with neighbours", () => {
    expect([...piecesOfSelection(layout, [1])]).toEqual([2, 3]);
    expect([...piecesOfSelection(layout, [0, 2])].sort()).toEqual([0, 1, 2, 4, 5, 6]);
    expect(selectionPieceBytes(layout, [2])).toBe(21); // pieces 4, 5 and the 1-byte last one
  });
  it("count progress over the chosen pieces only", () => {
    const held = new Set([2, 3, 4]);
    expect(selectionProgress(layout, [1], { get: (i) => held.has(i) })).toEqual({ bytes: 20, total: 20 });
    expect(selectionProgress(layout, null, { get: (i) => held.has(i) })).toEqual({ bytes: 30, total: 61 });
  });
  it("is done when the chosen files are", () => {
    const files = [{ done: false, length: 1 }, { done: true, length: 1 }, { done: false, length: 0 }];
    expect(selectionDone({ files }, [1])).toBe(true);
    expect(selectionDone({ files }, [0, 1])).toBe(false);
    expect(selectionDone({ files }, null)).toBe(false);
  });
  it("is applied by deselecting everything, then selecting each chosen file", () => {
    const calls: string[] = [];
    const file = (i: number) => ({ select: () => calls.push(`select ${i}`), deselect: () => calls.push(`deselect ${i}`) });
    applySelection({ pieces: { length: 7 }, files: [file(0), file(1), file(2)], deselect: (a, b) => calls.push(`deselect ${a}-${b}`) }, [2]);
    expect(calls).toEqual(["deselect 0-6", "select 2"]);
  });
});
