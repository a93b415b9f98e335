// Bytes per message for the search lab's bytes-per-query estimate: payloads only (no TCP/IP, TLS or HTTP
// headers), from the protocols' own layouts. Layer: client/lab/discovery, pure.

/** Gnutella 0.4 descriptor header: 16-byte descriptor ID, payload type, TTL, hops, 4-byte payload length. */
const GNUTELLA_HEADER = 23;
/** The query text the estimate uses (the bench's "file-name words" query). */
const QUERY_TEXT = "ubuntu 24.04 desktop";
/** A file name of the length a hit carries (the bench's distribution image). */
const RESULT_NAME = "ubuntu-24.04.1-desktop-amd64.iso";

export const WIRE_BYTES = {
  /** Query: header + minimum speed (2) + NUL-terminated search criteria. */
  gnutellaQuery: GNUTELLA_HEADER + 2 + QUERY_TEXT.length + 1,
  /**
   * QueryHit with one result: header + hit count, port, IPv4, speed (11) + result (index 4, size 4, name,
   * double NUL) + servent ID (16). Supernode hits may carry several results: one is a floor.
   */
  gnutellaQueryHit: GNUTELLA_HEADER + 11 + (4 + 4 + RESULT_NAME.length + 2) + 16,
  /**
   * A Chord request or reply: a 20-byte key or node identifier, a 6-byte IPv4 address and port, and the
   * same 23 bytes of framing as Gnutella's header (message ID, type, length). Replies that list several
   * candidates or the holders' addresses are larger: a floor, like the QueryHit.
   */
  chordMessage: GNUTELLA_HEADER + 20 + 6,
} as const;
