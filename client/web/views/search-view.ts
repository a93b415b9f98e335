// Search: a query box over the directory and a sortable table of results; a result opens its torrent.
// Layer: client/web.
import type { SearchHit, SearchNarrowed, SearchSort } from "../../../protocol/directory";
import type { App } from "../app";
import { EdgeswarmError, visibleText } from "../../lib/browser";
import { h, replace, setText } from "../dom";
import { describeNarrowed, formatAge, formatBytes, plural } from "../format";

type Column = "name" | "size" | "seeders" | "leechers" | "added";
type Order = "asc" | "desc";

const COLUMNS: Array<{ key: Column; label: string; first: Order; numeric: boolean }> = [
  { key: "name", label: "Name", first: "asc", numeric: false },
  { key: "size", label: "Size", first: "desc", numeric: true },
  { key: "seeders", label: "Seeders", first: "desc", numeric: true },
  { key: "leechers", label: "Leechers", first: "desc", numeric: true },
  { key: "added", label: "Age", first: "desc", numeric: true },
];

/** The directory sorts by these; leechers are sorted here, among the hits already loaded. */
const SERVER_SORTS: ReadonlySet<string> = new Set<SearchSort>(["name", "size", "seeders", "added"]);

export class SearchView {
  private readonly input: HTMLInputElement;
  private readonly status: HTMLElement;
  private readonly body: HTMLTableSectionElement;
  private readonly headers = new Map<Column, HTMLTableCellElement>();
  private readonly more: HTMLButtonElement;
  private readonly table: HTMLElement;
  private hits: SearchHit[] = [];
  /** What the directory searched when the words were too common to search everything (first page's answer). */
  private narrowed: SearchNarrowed | null = null;
  private cursor: string | null = null;
  /** null: relevance for a query, newest first without one. */
  private sort: { column: Column; order: Order } | null = null;
  private inflight: AbortController | null = null;
  private debounce: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly root: HTMLElement,
    private readonly app: App,
  ) {
    this.input = h("input", {
      id: "search-input",
      type: "search",
      name: "q",
      placeholder: "Words, \"a phrase\", -exclude, prefix*",
      autocomplete: "off",
      spellcheck: "false",
      "data-testid": "search-input",
      "aria-describedby": "search-status",
      oninput: () => this.schedule(),
    });
    this.status = h("p", { id: "search-status", class: "status", role: "status", "aria-live": "polite", "data-testid": "search-status" });
    this.body = h("tbody");
    const headRow = h("tr");
    for (const column of COLUMNS) {
      const th = h(
        "th",
        { scope: "col", class: `col-${column.key}${column.numeric ? " numeric" : ""}` },
        h("button", { type: "button", class: "sort", "data-testid": `sort-${column.key}`, onclick: () => this.toggleSort(column.key) }, column.label, h("span", { class: "sort-mark", "aria-hidden": "true" })),
      );
      this.headers.set(column.key, th);
      headRow.append(th);
    }
    this.table = h("div", { class: "table-wrap", hidden: true }, h("table", { class: "results", "data-testid": "search-results", "aria-describedby": "search-status" }, h("caption", { class: "visually-hidden" }, "Search results; column buttons sort"), h("thead", {}, headRow), this.body));
    this.more = h("button", { type: "button", class: "button secondary", "data-testid": "search-more", hidden: true, onclick: () => void this.run(false) }, "More results");
    replace(
      root,
      h("h2", { id: "search-heading" }, "Search the directory"),
      h(
        "form",
        { role: "search", class: "search-form", onsubmit: (event: SubmitEvent) => (event.preventDefault(), void this.run(true)) },
        h("label", { for: "search-input", class: "visually-hidden" }, "Search shared torrents"),
        this.input,
        h("button", { type: "submit", class: "button" }, "Search"),
      ),
      this.status,
      this.table,
      this.more,
    );
    this.markSort();
  }

  /** Runs the current query; `reset` false loads the next page. */
  async run(reset = true): Promise<void> {
    if (this.debounce) clearTimeout(this.debounce);
    this.inflight?.abort();
    const controller = new AbortController();
    this.inflight = controller;
    const q = this.input.value.trim();
    if (reset) this.cursor = null;
    const sort = this.serverSort(q);
    setText(this.status, "Searching…");
    try {
      const page = await this.app.api.search({ q, sort: sort.sort, order: sort.order, limit: 50, cursor: this.cursor }, { signal: controller.signal });
      if (controller.signal.aborted) return;
      this.hits = reset ? page.hits : [...this.hits, ...page.hits];
      this.cursor = page.next_cursor;
      if (reset) this.narrowed = page.narrowed ?? null;
      this.render(q);
    } catch (error) {
      if (controller.signal.aborted) return;
      this.hits = [];
      this.narrowed = null;
      this.render(q);
      setText(this.status, error instanceof EdgeswarmError ? `Search failed: ${error.message}` : "Search failed.");
    } finally {
      if (this.inflight === controller) this.inflight = null;
    }
  }

  focus(): void {
    this.input.focus();
  }

  private schedule(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.run(true), 250);
  }

  private serverSort(q: string): { sort: SearchSort; order?: Order } {
    if (this.sort && SERVER_SORTS.has(this.sort.column)) return { sort: this.sort.column as SearchSort, order: this.sort.order };
    return q ? { sort: "relevance" } : { sort: "added", order: "desc" };
  }

  private toggleSort(column: Column): void {
    const first = COLUMNS.find((c) => c.key === column)!.first;
    this.sort = this.sort?.column === column ? { column, order: this.sort.order === "asc" ? "desc" : "asc" } : { column, order: first };
    this.markSort();
    if (SERVER_SORTS.has(column)) void this.run(true);
    else this.render(this.input.value.trim());
  }

  private markSort(): void {
    for (const [column, th] of this.headers) {
      const active = this.sort?.column === column;
      if (active) th.setAttribute("aria-sort", this.sort!.order === "asc" ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
      const mark = th.querySelector(".sort-mark");
      if (mark) mark.textContent = active ? (this.sort!.order === "asc" ? " ▲" : " ▼") : "";
    }
  }

  private render(q: string): void {
    let hits = this.hits;
    if (this.sort?.column === "leechers") {
      const sign = this.sort.order === "asc" ? 1 : -1;
      hits = [...hits].sort((a, b) => sign * (a.leechers - b.leechers) || b.seeders - a.seeders);
    }
    const now = Date.now();
    this.body.replaceChildren(
      ...hits.map((hit) =>
        h(
          "tr",
          { "data-testid": "search-result", "data-info-hash": hit.info_hash },
          h(
            "td",
            { class: "col-name", "data-label": "Name" },
            h("a", { href: `#${hit.info_hash}`, "data-testid": "search-result-link" }, visibleText(hit.name)),
            hit.tags.length > 0 ? h("span", { class: "tags" }, ...hit.tags.map((tag) => h("span", { class: "tag" }, tag))) : null,
          ),
          h("td", { class: "numeric", "data-label": "Size" }, formatBytes(hit.size)),
          h("td", { class: "numeric seeders", "data-label": "Seeders" }, String(hit.seeders)),
          h("td", { class: "numeric", "data-label": "Leechers" }, String(hit.leechers)),
          h("td", { class: "numeric", "data-label": "Age" }, h("time", { datetime: hit.added, title: new Date(hit.added).toLocaleString() }, formatAge(hit.added, now))),
        ),
      ),
    );
    this.more.hidden = this.cursor === null;
    this.table.hidden = hits.length === 0;
    const scope = q ? `for “${q}”` : "shared recently";
    const found = hits.length === 0 ? (q ? `Nothing found for “${q}”.` : "Nothing shared yet. Be the first: share a file.") : `${plural(hits.length, "torrent")} ${scope}${this.cursor ? " (more below)" : ""}.`;
    setText(this.status, this.narrowed && q ? `${found} ${describeNarrowed(this.narrowed)}` : found);
  }
}
