// The directory's migrations (migrations/*.sql, the same files `wrangler d1 migrations apply` runs) applied to
// a self-hosted SQLite database at start: in name order, each in its own transaction, recorded in the table
// wrangler uses (d1_migrations), so a restart applies only what is new. Layer: adapter.
import type { SqliteDatabase } from "./d1-on-sqlite";

export type Migration = { name: string; sql: string };

/** Applies the migrations not yet recorded; returns the names applied now. */
export function applyMigrations(db: SqliteDatabase, migrations: Migration[]): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS d1_migrations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT UNIQUE,
    applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL
  )`);
  const done = new Set((db.prepare(`SELECT name FROM d1_migrations`).all() as { name: string }[]).map((row) => row.name));
  const applied: string[] = [];
  for (const migration of [...migrations].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (done.has(migration.name)) continue;
    db.exec("BEGIN");
    try {
      db.exec(migration.sql);
      db.prepare(`INSERT INTO d1_migrations (name) VALUES (?)`).run(migration.name);
      db.exec("COMMIT");
    } catch (error) {
      db.exec("ROLLBACK");
      throw new Error(`migration ${migration.name} failed: ${String(error)}`);
    }
    applied.push(migration.name);
  }
  return applied;
}
