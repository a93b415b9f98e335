// node:sqlite as Deno (and Node ≥ 22) provide it: the part the self-hosted server opens its database with.
declare module "node:sqlite" {
  import type { SqliteStatement } from "../sqlite/d1-on-sqlite";

  export class DatabaseSync {
    constructor(path: string);
    prepare(sql: string): SqliteStatement;
    exec(sql: string): void;
    close(): void;
  }
}
