// D1's API over a synchronous SQLite handle (node:sqlite's DatabaseSync, on Deno or Node ≥ 22), so the
// directory's and tracker's queries run unchanged on a self-hosted server: prepare/bind/first/all/run/raw,
// batch as one transaction, exec, and the meta fields the queries read (duration, changes, rows_written).
// Layer: adapter (the host's database; no runtime import — the host opens the file and hands it in).

/** The part of node:sqlite's DatabaseSync this adapter uses. */
export type SqliteDatabase = {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): void;
};

export type SqliteStatement = {
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
  run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  setReturnArrays?(enabled: boolean): void;
  columns?(): { name: string }[];
};

/** Compiled statements kept by SQL text; search builds a handful of shapes, everything else is fixed. */
const STATEMENT_CACHE = 256;

export class D1OnSqlite implements D1Database {
  private readonly statements = new Map<string, SqliteStatement>();
  private readonly arrays = new Map<string, SqliteStatement>();
  private inBatch = false;

  constructor(readonly sqlite: SqliteDatabase) {}

  prepare(query: string): D1PreparedStatement {
    return new Statement(this, query, []);
  }

  /** D1 runs a batch as one transaction: all statements land, or none. */
  async batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
    if (this.inBatch) throw new Error("D1OnSqlite: nested batch");
    this.inBatch = true;
    this.sqlite.exec("BEGIN");
    try {
      const results = statements.map((s) => (s as Statement).execute<T>());
      this.sqlite.exec("COMMIT");
      return results;
    } catch (error) {
      this.sqlite.exec("ROLLBACK");
      throw error;
    } finally {
      this.inBatch = false;
    }
  }

  async exec(query: string): Promise<D1ExecResult> {
    const started = performance.now();
    this.sqlite.exec(query);
    return { count: query.split("\n").filter((line) => line.trim() !== "").length, duration: performance.now() - started };
  }

  withSession(): D1DatabaseSession {
    // One database, no replicas: a session is the database itself.
    return { prepare: (query: string) => this.prepare(query), batch: (s: D1PreparedStatement[]) => this.batch(s), getBookmark: () => null } as D1DatabaseSession;
  }

  async dump(): Promise<ArrayBuffer> {
    throw new Error("D1OnSqlite: dump() is not supported (copy the SQLite file instead)");
  }

  compiled(query: string, asArrays: boolean): SqliteStatement {
    const cache = asArrays ? this.arrays : this.statements;
    let statement = cache.get(query);
    if (!statement) {
      statement = this.sqlite.prepare(query);
      if (asArrays) statement.setReturnArrays?.(true);
      if (cache.size >= STATEMENT_CACHE) cache.delete(cache.keys().next().value!);
      cache.set(query, statement);
    }
    return statement;
  }
}

class Statement implements D1PreparedStatement {
  constructor(
    private readonly db: D1OnSqlite,
    private readonly query: string,
    private readonly params: unknown[],
  ) {}

  bind(...values: unknown[]): D1PreparedStatement {
    return new Statement(this.db, this.query, values.map(toSqlite));
  }

  first<T = unknown>(colName: string): Promise<T | null>;
  first<T = Record<string, unknown>>(): Promise<T | null>;
  async first<T>(colName?: string): Promise<T | null> {
    const row = this.db.compiled(this.query, false).get(...this.params) as Record<string, unknown> | undefined;
    if (row === undefined) return null;
    if (colName === undefined) return row as T;
    if (!(colName in row)) throw new Error(`D1_COLUMN_NOTFOUND: Column not found (${colName})`);
    return row[colName] as T;
  }

  async run<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    return this.execute<T>();
  }

  async all<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    return this.execute<T>();
  }

  raw<T = unknown[]>(options: { columnNames: true }): Promise<[string[], ...T[]]>;
  raw<T = unknown[]>(options?: { columnNames?: false }): Promise<T[]>;
  async raw<T>(options?: { columnNames?: boolean }): Promise<T[] | [string[], ...T[]]> {
    const statement = this.db.compiled(this.query, true);
    let rows = statement.all(...this.params) as unknown[];
    // Without setReturnArrays (older SQLite bindings), rows come as objects in column order.
    if (rows.length > 0 && !Array.isArray(rows[0])) rows = rows.map((row) => Object.values(row as object));
    if (!options?.columnNames) return rows as T[];
    const names = statement.columns?.().map((c) => c.name) ?? [];
    return [names, ...(rows as T[])];
  }

  /** Runs the statement: rows for a query, changes for a write (D1 answers both the same way). */
  execute<T>(): D1Result<T> {
    const started = performance.now();
    const statement = this.db.compiled(this.query, false);
    let results: T[];
    let changes = 0;
    let lastRowId = 0;
    if (returnsRows(statement)) {
      results = statement.all(...this.params) as T[];
    } else {
      const outcome = statement.run(...this.params);
      changes = Number(outcome.changes);
      lastRowId = Number(outcome.lastInsertRowid);
      results = [];
    }
    const duration = performance.now() - started;
    return {
      success: true,
      results,
      meta: {
        duration,
        changes,
        last_row_id: lastRowId,
        changed_db: changes > 0,
        // SQLite counts the statement's own changes, not its triggers'; D1 counts both. Only the cost probe reads it.
        rows_written: changes,
        rows_read: results.length,
        size_after: 0,
      },
    };
  }
}

const yieldsRows = new WeakMap<SqliteStatement, boolean>();

/** Whether a statement yields rows (a SELECT, or a write with RETURNING): it has result columns. */
function returnsRows(statement: SqliteStatement): boolean {
  let answer = yieldsRows.get(statement);
  if (answer === undefined) {
    const columns = statement.columns?.();
    answer = columns === undefined || columns.length > 0;
    yieldsRows.set(statement, answer);
  }
  return answer;
}

/** D1's bindable values as SQLite takes them: booleans as 0/1, buffers as bytes; undefined is refused (as D1 does). */
function toSqlite(value: unknown): unknown {
  if (value === undefined) throw new TypeError("D1_TYPE_ERROR: Type 'undefined' not supported for value 'undefined'");
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  return value;
}
