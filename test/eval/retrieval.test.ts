/** Re-identification retrieval: AP against scikit-learn, Rank-1/CMC against exhaustive tie orders. */
import { python } from './python';
import { leaveOneOut, queryGallery, scoreQuery, summarise } from '../../kernel/eval/retrieval';
import { Random } from '../../kernel/random';


test('AP equals sklearn average_precision_score; Rank-1 and CMC equal the mean over every tie order', () => {
  const rng = new Random(5);
  const cases = Array.from({ length: 30 }, (_, c) => {
    const n = 3 + (c % 5);
    const relevant = Array.from({ length: n }, (_, i) => (i === 0 ? true : rng.uniform() < 0.3));
    // Values on a grid of 3 levels: many ties, including ties between matches and non-matches.
    const sims = relevant.map(r => Math.round(rng.uniform() * 2 + (r && c % 2 ? 0.6 : 0)) / 2);
    return { relevant, sims };
  });
  const theirs = python(
    [
      'import json,sys,itertools,numpy as np',
      'from sklearn.metrics import average_precision_score',
      'out=[]',
      'for c in json.load(sys.stdin):',
      '  rel=np.array(c["relevant"]); s=np.array(c["sims"]); n=len(s)',
      '  # every order consistent with the scores: permutations sorted by score, ties in all orders',
      '  firsts=[]',
      '  for perm in itertools.permutations(range(n)):',
      '    if any(s[perm[i]]<s[perm[i+1]] for i in range(n-1)): continue',
      '    firsts.append(next(i for i,j in enumerate(perm) if rel[j]))',
      '  f=np.array(firsts)',
      '  out.append(dict(ap=average_precision_score(rel,s),rank1=float(np.mean(f==0)),cmc=[float(np.mean(f<k)) for k in range(1,n+1)]))',
      'print(json.dumps(out))'
    ].join('\n'),
    cases
  ) as { ap: number; rank1: number; cmc: number[] }[];
  cases.forEach((c, i) => {
    const q = scoreQuery('sub-x', c.sims, c.relevant);
    expect(Math.abs(q.ap - theirs[i].ap)).toBeLessThanOrEqual(1e-9);
    expect(Math.abs(q.rank1 - theirs[i].rank1)).toBeLessThanOrEqual(1e-9);
    Array.from(q.cmc).forEach((v, k) => expect(Math.abs(v - theirs[i].cmc[k])).toBeLessThanOrEqual(1e-9));
  });
});

test('leave-one-out never retrieves the query itself; query/gallery crosses sessions', () => {
  // Two subjects, two sessions, one clip each. a1 and b1 are identical vectors: a query that
  // could see itself (the official bug) would score Rank-1 = 1 everywhere.
  const items = [
    { subject: 'a', session: 'ses-1', vector: [1, 0, 0] },
    { subject: 'a', session: 'ses-2', vector: [0, 1, 0] },
    { subject: 'b', session: 'ses-1', vector: [1, 0, 0.001] },
    { subject: 'b', session: 'ses-2', vector: [0, 1, 0.001] }
  ];
  const loo = leaveOneOut(items);
  expect(loo.queries).toHaveLength(4);
  // Every query's nearest other clip is the other subject's clip of the same session: a miss.
  expect(summarise(loo.queries).rank1).toBe(0);
  const qg = queryGallery(items);
  expect(qg.querySession).toBe('ses-1');
  expect(qg.queries.map(q => q.subject)).toEqual(['a', 'b']);
  expect(qg.queries.every(q => q.cmc.length === 2)).toBe(true);
  // A subject with a single clip cannot be re-identified leave-one-out: it is skipped and counted.
  const single = leaveOneOut([...items, { subject: 'c', session: 'ses-1', vector: [0, 0, 1] }]);
  expect(single.skipped).toBe(1);
  expect(() => queryGallery(items.filter(i => i.session === 'ses-1'))).toThrow(/two or more sessions/);
});
