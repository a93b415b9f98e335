// Types of deno-binary.mjs (a plain module: `npm run start:deno` runs it with Node as it is).
export function denoBinary(): string;
export function denoServerArgs(dbPath: string): string[];
