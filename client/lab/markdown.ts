// A markdown report being written: lines, tables and the plots that were drawn. Shared by the lab's reports
// (report.ts, incentives.ts). Layer: client/lab, pure.

export type MarkdownReport = {
  lines: string[];
  table: (head: string[], rows: (string | number)[][]) => void;
  /** Embeds `name.png` when that plot was drawn; nothing otherwise. */
  plot: (name: string, caption: string) => void;
};

export function markdownReport(plots: string[]): MarkdownReport {
  const lines: string[] = [];
  return {
    lines,
    table(head, rows) {
      lines.push(`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`);
      for (const row of rows) lines.push(`| ${row.join(" | ")} |`);
      lines.push("");
    },
    plot(name, caption) {
      if (plots.includes(`${name}.png`)) lines.push(`![${caption}](${name}.png)`, "");
    },
  };
}
