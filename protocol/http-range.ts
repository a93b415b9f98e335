// HTTP byte ranges (RFC 9110 §14) for everything that serves bytes with Range — the web seed (/seed/…, BEP 19
// clients ask for ranges), the lab's files and the lab's origin proxy: one reading of the Range header and one
// answer to it. Layer: protocol (pure; the web-standard Response only).

export type ByteRange = { start: number; end: number };

/**
 * One `bytes=a-b`, `bytes=a-` or `bytes=-n` range of a body of `size` bytes, its end clamped to the body's.
 * Null for no header, several ranges or anything unreadable: the whole body is then answered, which RFC 9110
 * allows. "unsatisfiable": a range wholly past the end (or a suffix of 0 bytes, or any range of an empty body).
 */
export function parseRange(header: string | null | undefined, size: number): ByteRange | "unsatisfiable" | null {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match) return null;
  const [, from, to] = match as unknown as [string, string, string];
  if (from === "" && to === "") return null;
  if (from === "") {
    const suffix = Number(to);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(from);
  const end = to === "" ? size - 1 : Math.min(Number(to), size - 1);
  if (start >= size || end < start) return "unsatisfiable";
  return { start, end };
}

/** What to answer a GET or HEAD of `size` bytes: the status, which bytes to send, and the headers that say so. */
export type RangeAnswer = { status: 200 | 206 | 416; offset: number; length: number; headers: Record<string, string> };

export function rangeAnswer(header: string | null | undefined, size: number): RangeAnswer {
  const range = parseRange(header, size);
  if (range === "unsatisfiable") {
    return { status: 416, offset: 0, length: 0, headers: { "accept-ranges": "bytes", "content-range": `bytes */${size}` } };
  }
  if (range === null) return { status: 200, offset: 0, length: size, headers: { "accept-ranges": "bytes", "content-length": String(size) } };
  const length = range.end - range.start + 1;
  return {
    status: 206,
    offset: range.start,
    length,
    headers: { "accept-ranges": "bytes", "content-length": String(length), "content-range": `bytes ${range.start}-${range.end}/${size}` },
  };
}

/**
 * The Response to a GET or HEAD of a `size`-byte body with a Range header (or none). `headers` are the body's
 * own (type, ETag, caching); `read` is asked only for a GET that sends bytes, for exactly those, and throws the
 * caller's own error when they are gone.
 */
export async function rangedResponse(
  request: { method: string; range: string | null | undefined },
  size: number,
  headers: Record<string, string>,
  read: (offset: number, length: number) => Promise<BodyInit>,
): Promise<Response> {
  const answer = rangeAnswer(request.range, size);
  const all = new Headers({ ...headers, ...answer.headers });
  if (answer.status === 416 || request.method === "HEAD") return new Response(null, { status: answer.status, headers: all });
  return new Response(await read(answer.offset, answer.length), { status: answer.status, headers: all });
}
