// The search lab's shared workload: a catalogue, each peer's share list, and the queries every architecture
// answers. Layer: client/lab/discovery, pure (randomness comes in as a function).

export type WorkloadConfig = {
  peers: number;
  /** Distinct items that exist anywhere (torrents in our directory's terms). */
  catalogue: number;
  /** Items in each peer's share list (distinct). */
  sharesPerPeer: number;
  /** Zipf exponent of which items peers hold: item of rank i is picked ∝ 1/i^s. */
  replicationZipf: number;
  /** Zipf exponent of which items are asked for, over the same ranking. */
  queryZipf: number;
  queries: number;
};

export type Query = { item: number; origin: number };

export type Workload = {
  config: WorkloadConfig;
  /** shares[peer] = the items in that peer's share list. */
  shares: Int32Array[];
  /** holders[item] = peers holding it (empty for items nobody shares). */
  holders: Int32Array[];
  /** Share-list entries across all peers (Σ shares = what a central index stores). */
  entries: number;
  queries: Query[];
};

/** Draws ranks 0…n−1 with P(i) ∝ 1/(i+1)^s by inverting the cumulative weights. */
export function zipfSampler(n: number, s: number): (random: () => number) => number {
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) cumulative[i] = total += 1 / Math.pow(i + 1, s);
  return (random) => {
    const target = random() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! <= target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/**
 * Share lists with Zipf replication, then queries with Zipf popularity. A query asks for an item some peer
 * holds (so the central index's recall is 1 by construction and every other recall is relative to it) and
 * starts at a peer that does not hold it: people search for what they lack.
 */
export function buildWorkload(config: WorkloadConfig, random: () => number): Workload {
  const { peers, catalogue, queries } = config;
  if (peers < 2) throw new RangeError("a search needs at least two peers");
  const sharesPerPeer = Math.min(config.sharesPerPeer, catalogue);
  const replication = zipfSampler(catalogue, config.replicationZipf);
  const shares: Int32Array[] = [];
  const holderCounts = new Int32Array(catalogue);
  const picked = new Set<number>();
  for (let p = 0; p < peers; p++) {
    picked.clear();
    while (picked.size < sharesPerPeer) picked.add(replication(random));
    const list = Int32Array.from(picked);
    for (const item of list) holderCounts[item]!++;
    shares.push(list);
  }
  const holders = Array.from({ length: catalogue }, (_, item) => new Int32Array(holderCounts[item]!));
  const filled = new Int32Array(catalogue);
  for (let p = 0; p < peers; p++) for (const item of shares[p]!) holders[item]![filled[item]!++] = p;

  const popularity = zipfSampler(catalogue, config.queryZipf);
  const drawn: Query[] = [];
  while (drawn.length < queries) {
    const item = popularity(random);
    const holding = holders[item]!;
    // an item nobody holds has no answer anywhere; one everybody holds has nobody to ask for it
    if (holding.length === 0 || holding.length === peers) continue;
    let origin: number;
    do origin = Math.floor(random() * peers);
    while (holds(holding, origin));
    drawn.push({ item, origin });
  }
  return { config: { ...config, sharesPerPeer }, shares, holders, entries: peers * sharesPerPeer, queries: drawn };
}

/** holders arrays are built in peer order, so membership is a binary search. */
export function holds(sortedHolders: Int32Array, peer: number): boolean {
  let lo = 0;
  let hi = sortedHolders.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sortedHolders[mid]!;
    if (v === peer) return true;
    if (v < peer) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
