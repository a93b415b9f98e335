// One way to say what a zod schema refused, for every boundary (tracker frames, HTTP bodies, query strings).
// Layer: protocol (imports only zod).
import type { z } from "zod";

/** The first issue as `path: message`, the path written as it reads in JSON (`offers[0].offer_id`). */
export function describeIssue(error: z.ZodError, fallback = "invalid input"): string {
  const issue = error.issues[0];
  if (!issue) return fallback;
  const path = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "");
  return path ? `${path}: ${issue.message}` : issue.message;
}
