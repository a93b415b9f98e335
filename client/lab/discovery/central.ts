// The central directory (ours, and Napster's): every peer publishes its share list to one index; a search
// is one request and one reply. Layer: client/lab/discovery, pure.
import type { Workload } from "./workload";

export type CentralOutcome = { messages: number; hops: number; found: boolean };

/** The index answers from its own rows: recall is 1 whenever anyone published the item. */
export function centralQuery(workload: Workload, item: number): CentralOutcome {
  return { messages: 2, hops: 1, found: workload.holders[item]!.length > 0 };
}

/**
 * State per node: the index holds every share-list entry (it is the last element); a peer keeps only the
 * index's address (1 entry), plus its own shares, which every architecture keeps and none counts.
 */
export function centralState(workload: Workload): Float64Array {
  const peers = workload.config.peers;
  const state = new Float64Array(peers + 1).fill(1);
  state[peers] = workload.entries;
  return state;
}
