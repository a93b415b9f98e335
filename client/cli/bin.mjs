#!/usr/bin/env node
// The `edgeswarm` command's launcher (package.json "bin"). The CLI is TypeScript run through tsx (a dependency
// of the package), so `npx edgeswarm` works right after `npm install`, with no build step.
import { register } from "tsx/esm/api";

register();
await import("./main.ts");
