// Types for the `bencode` package (webtorrent/node-bencode 4), which ships none; shared by every room that bencodes.
declare module "bencode" {
  type Value = number | Uint8Array | string | Value[] | { [key: string]: Value };
  const bencode: {
    encode(data: unknown): Uint8Array<ArrayBuffer>;
    decode(data: Uint8Array, encoding?: string): unknown;
    decode(data: Uint8Array, start?: number, end?: number, encoding?: string): unknown;
    byteLength(value: unknown): number;
    encodingLength(value: unknown): number;
  };
  export type { Value };
  export default bencode;
}
