// Typings for bittorrent-peerid 2 (untyped JavaScript): a peer id (Buffer, or hex/utf8 string) to its client.
declare module "bittorrent-peerid" {
  export default function peerid(peerId: string | Uint8Array): { client: string; version?: string };
}
