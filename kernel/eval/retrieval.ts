/**
 * Re-identification by cosine retrieval (spec §5 "ReID"): each query ranks gallery items by cosine
 * similarity; a gallery item is relevant when it comes from the query's subject. Per query:
 * expected Rank-1 hit, average precision, and the CMC curve (P(first match within the top k)).
 *
 * Two protocols:
 * - leave-one-out (the official evaluation): every clip queries all OTHER clips of the split. The
 *   official code ranks the query against itself too (it sits last and counts as a hit, spec §5
 *   BUG); we exclude the query from its own gallery, which is the intended protocol.
 * - query/gallery (as the official docs describe re-identification): the clips of one session are
 *   the queries, the clips of every other session the gallery, so a hit must cross sessions.
 *   The docs' gallery size of 100 is not applied: the whole other-session split is the gallery.
 *
 * Ties in similarity are broken at random in expectation (exact, not sampled), so results do not
 * depend on the input order; AP on ties equals scikit-learn's average_precision_score.
 */
import { ShapeError } from '../errors';

export interface QueryResult {
  /** Subject of the query (the bootstrap unit). */
  subject: string;
  /** Expected Rank-1 hit in [0, 1] (ties broken uniformly at random). */
  rank1: number;
  /** Average precision, AP = sum_k P@k * match_k / sum_k match_k (tie groups as one threshold). */
  ap: number;
  /** cmc[k-1] = expected P(first match within the top k), k = 1..gallery size. */
  cmc: Float64Array;
}

/** Cosine similarity; 0 when either vector is all zeros. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new ShapeError(`cosine: vectors of ${a.length} and ${b.length} values`);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa === 0 || bb === 0 ? 0 : ab / Math.sqrt(aa * bb);
}

/** log C(n, k) by summed logs (n small: gallery sizes). */
function logChoose(n: number, k: number): number {
  if (k < 0 || k > n) return -Infinity;
  let s = 0;
  for (let i = 0; i < k; i++) s += Math.log(n - i) - Math.log(i + 1);
  return s;
}

/**
 * One query's retrieval result from the similarities of its gallery and which of them match.
 * `relevant` must contain at least one true value.
 */
export function scoreQuery(subject: string, similarities: ArrayLike<number>, relevant: ArrayLike<boolean>): QueryResult {
  const n = similarities.length;
  if (relevant.length !== n) throw new ShapeError(`retrieval: ${n} similarities vs ${relevant.length} relevance flags`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => similarities[b] - similarities[a]);
  const totalRelevant = Array.from(relevant).filter(Boolean).length;
  if (totalRelevant === 0) throw new ShapeError(`retrieval: query of ${subject} has no match in its gallery`);
  let ap = 0;
  let seen = 0;
  let seenRelevant = 0;
  let firstFound = false;
  let rank1 = 0;
  const cmc = new Float64Array(n);
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && similarities[order[j + 1]] === similarities[order[i]]) j++;
    const size = j - i + 1;
    let p = 0;
    for (let k = i; k <= j; k++) if (relevant[order[k]]) p++;
    // AP: the tie group is one threshold (sklearn); precision at its end times its recall gain.
    seen += size;
    seenRelevant += p;
    ap += (p / totalRelevant) * (seenRelevant / seen);
    if (!firstFound) {
      // No match above this group: the first match falls inside it when p > 0. Within a random
      // order of the group, P(a match among the first m) = 1 - C(size - p, m) / C(size, m).
      if (i === 0) rank1 = p / size;
      for (let m = 1; m <= size; m++) {
        cmc[i + m - 1] = p === 0 ? 0 : 1 - Math.exp(logChoose(size - p, m) - logChoose(size, m));
      }
      if (p > 0) {
        firstFound = true;
        for (let k = j + 1; k < n; k++) cmc[k] = 1;
      }
    }
    i = j + 1;
  }
  return { subject, rank1, ap, cmc };
}

export interface RetrievalItem {
  subject: string;
  /** Session label (null when the dataset has none). */
  session: string | null;
  vector: ArrayLike<number>;
}

export interface RetrievalRun {
  protocol: 'leave-one-out' | 'query-gallery';
  /** For query/gallery: the session whose clips query. */
  querySession?: string;
  queries: QueryResult[];
  /** Queries left out because their gallery held no clip of their subject. */
  skipped: number;
}

function similarityRow(q: RetrievalItem, gallery: RetrievalItem[]): Float64Array {
  return Float64Array.from(gallery, g => cosine(q.vector, g.vector));
}

/** Official protocol minus its self-match bug: every item queries all others. */
export function leaveOneOut(items: RetrievalItem[]): RetrievalRun {
  const queries: QueryResult[] = [];
  let skipped = 0;
  items.forEach((q, i) => {
    const gallery = items.filter((_, j) => j !== i);
    const relevant = gallery.map(g => g.subject === q.subject);
    if (!relevant.some(Boolean)) return void skipped++;
    queries.push(scoreQuery(q.subject, similarityRow(q, gallery), relevant));
  });
  return { protocol: 'leave-one-out', queries, skipped };
}

/**
 * Query/gallery: items of `querySession` (default: the first session label in sort order) query
 * the items of all other sessions.
 */
export function queryGallery(items: RetrievalItem[], querySession?: string): RetrievalRun {
  const sessions = [...new Set(items.map(i => i.session ?? ''))].sort();
  if (sessions.length < 2)
    throw new ShapeError(`query/gallery retrieval needs two or more sessions; found ${sessions.length}`);
  const session = querySession ?? sessions[0];
  const queryItems = items.filter(i => (i.session ?? '') === session);
  if (queryItems.length === 0) throw new ShapeError(`no clip of session "${session}" to query with`);
  const gallery = items.filter(i => (i.session ?? '') !== session);
  const queries: QueryResult[] = [];
  let skipped = 0;
  for (const q of queryItems) {
    const relevant = gallery.map(g => g.subject === q.subject);
    if (!relevant.some(Boolean)) {
      skipped++;
      continue;
    }
    queries.push(scoreQuery(q.subject, similarityRow(q, gallery), relevant));
  }
  return { protocol: 'query-gallery', querySession: session, queries, skipped };
}

/** Mean Rank-1, mean AP (mAP) and mean CMC over a set of queries (indices may repeat: bootstrap). */
export function summarise(queries: QueryResult[], indices?: readonly number[]): { rank1: number; map: number; cmc: number[] } {
  const idx = indices ?? queries.map((_, i) => i);
  if (idx.length === 0) throw new ShapeError('retrieval: no queries to summarise');
  const length = Math.min(...idx.map(i => queries[i].cmc.length));
  const cmc = new Array<number>(length).fill(0);
  let rank1 = 0;
  let map = 0;
  for (const i of idx) {
    rank1 += queries[i].rank1;
    map += queries[i].ap;
    for (let k = 0; k < length; k++) cmc[k] += queries[i].cmc[k];
  }
  return { rank1: rank1 / idx.length, map: map / idx.length, cmc: cmc.map(v => v / idx.length) };
}

/**
 * The protocol evaluation reports: query/gallery (cross-session, the harder and more meaningful
 * test) when the items span two or more sessions, else leave-one-out.
 */
export function retrieve(items: RetrievalItem[]): RetrievalRun {
  const sessions = new Set(items.map(i => i.session ?? ''));
  return sessions.size >= 2 ? queryGallery(items) : leaveOneOut(items);
}
