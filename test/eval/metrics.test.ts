/** AUROC, Pearson and the linear baselines against scikit-learn / NumPy, spawned from the test. */
import { python } from './python';
import {
  auroc,
  pearson,
  accuracy,
  averageRanks,
  balancedAccuracy,
  confusionMatrix,
  macroF1,
  meanAbsoluteError,
  meanSquaredError,
  multiclassAuroc,
  rocCurve,
  rSquared,
  softmax
} from '../../kernel/eval/metrics';
import { fisherZ } from '../../kernel/data/connectivity';
import { fitLogistic, fitRidge, groupedCrossValidation } from '../../kernel/eval/linear';
import { Random } from '../../kernel/random';


test('AUROC equals scikit-learn roc_auc_score, ties included', () => {
  const rng = new Random(1);
  const cases = Array.from({ length: 20 }, (_, c) => {
    const n = 10 + c * 7;
    const labels = Array.from({ length: n }, (_, i) => (i < 3 ? i % 2 : rng.int(2)));
    // Coarse scores make ties common; some cases carry signal.
    const scores = labels.map(l => Math.round((rng.normal() + l * (c % 3)) * 2) / 2);
    return { labels, scores };
  });
  const theirs = python(
    'import json,sys\nfrom sklearn.metrics import roc_auc_score\nprint(json.dumps([roc_auc_score(c["labels"], c["scores"]) for c in json.load(sys.stdin)]))',
    cases
  ) as number[];
  cases.forEach((c, i) => expect(auroc(c.labels, c.scores)).toBeCloseTo(theirs[i], 12));
  expect(() => auroc([1, 1], [0.2, 0.3])).toThrow(/both classes/);
});

test('Pearson equals numpy.corrcoef; ranks, accuracy and Fisher z', () => {
  const rng = new Random(2);
  const a = Array.from({ length: 50 }, () => rng.normal());
  const b = a.map(v => 0.6 * v + rng.normal());
  const r = python(
    'import json,sys,numpy as np\na,b=json.load(sys.stdin)\nprint(json.dumps(float(np.corrcoef(a,b)[0,1])))',
    [a, b]
  ) as number;
  expect(pearson(a, b)).toBeCloseTo(r, 12);
  expect(Array.from(averageRanks([3, 1, 3, 2]))).toEqual([3.5, 1, 3.5, 2]);
  expect(accuracy([1, 0, 1, 1], [1, 1, 1, 0])).toBe(0.5);
  expect(fisherZ(0.5)).toBeCloseTo(Math.atanh(0.5), 14);
  expect(Number.isFinite(fisherZ(1))).toBe(true);
});

test('ridge and logistic regression match scikit-learn on standardised features', () => {
  const rng = new Random(3);
  const n = 40;
  const p = 60;
  const x = Array.from({ length: n }, () =>
    Array.from({ length: p }, () => rng.normal() * (1 + rng.uniform()))
  );
  const w = Array.from({ length: p }, (_, j) => (j < 5 ? 1 : 0));
  const y = x.map(row => row.reduce((s, v, j) => s + v * w[j], 0) + 0.5 * rng.normal() + 3);
  const labels = y.map(v => (v > 3 ? 1 : 0));
  const lambda = 0.7;
  const test = x.slice(0, 10).map(row => row.map(v => v + 0.1));
  const theirs = python(
    [
      'import json,sys,numpy as np',
      'from sklearn.linear_model import Ridge, LogisticRegression',
      'from sklearn.preprocessing import StandardScaler',
      'x,y,labels,test,lam=json.load(sys.stdin)',
      'x=np.array(x); s=StandardScaler().fit(x); xs=s.transform(x); ts=s.transform(np.array(test)); p=x.shape[1]',
      'r=Ridge(alpha=lam*p).fit(xs,y).predict(ts)',
      'l=LogisticRegression(C=1/(lam*p),tol=1e-12,max_iter=10000).fit(xs,labels).decision_function(ts)',
      'print(json.dumps([r.tolist(), l.tolist()]))'
    ].join('\n'),
    [x, y, labels, test, lambda]
  ) as number[][];
  const ridge = fitRidge(x, y, { lambda }).predict(test);
  ridge.forEach((v, i) => expect(v).toBeCloseTo(theirs[0][i], 8));
  const logistic = fitLogistic(x, labels, { lambda }).predict(test);
  // Our intercept carries a tiny penalty (constant kernel term); agreement to ~1e-2.
  logistic.forEach((v, i) =>
    expect(Math.abs(v - theirs[1][i])).toBeLessThan(2e-2 * Math.max(1, Math.abs(theirs[1][i])))
  );
});

test('grouped cross-validation never trains on the group it predicts', () => {
  const rng = new Random(4);
  // Each group has a private offset in its target that only its own samples reveal.
  const groups = Array.from({ length: 30 }, (_, i) => `g${i % 10}`);
  const rows = groups.map(g => [Number(g.slice(1)), rng.normal()]);
  const targets = groups.map(g => (Number(g.slice(1)) % 2 === 0 ? 100 : -100));
  const seen: string[][] = [];
  groupedCrossValidation(
    rows,
    targets,
    groups,
    (r, t) => {
      seen.push(r.map(row => `g${row[0]}`));
      return fitRidge(r, t);
    },
    5,
    new Random(9)
  );
  expect(seen).toHaveLength(5);
  // Each fold's training set lacks exactly two of the ten groups.
  seen.forEach(groupsInFold => expect(new Set(groupsInFold).size).toBe(8));
});

test('classification and regression metrics equal scikit-learn on random inputs with ties (1e-9)', () => {
  const rng = new Random(11);
  const cases = Array.from({ length: 12 }, (_, c) => {
    const n = 8 + c * 9;
    const k = 2 + (c % 4);
    // Coarse values make ties common; the first k rows make every class present.
    const truth = Array.from({ length: n }, (_, i) => (i < k ? i : rng.int(k)));
    const predicted = truth.map(t => (rng.uniform() < 0.6 ? t : rng.int(k)));
    const logits = truth.map(t => Array.from({ length: k }, (_, j) => Math.round((rng.normal() + (j === t ? c % 3 : 0)) * 2) / 2));
    const binary = truth.map(t => (t === 0 ? 0 : 1));
    const scores = logits.map(l => l[0]);
    const y = Array.from({ length: n }, () => Math.round(rng.normal() * 4) / 2);
    const yhat = y.map(v => (c === 0 ? 3 : Math.round((0.7 * v + rng.normal()) * 2) / 2));
    // Probabilities go to sklearn as computed here: equal-in-theory softmax values may differ in
    // the last bit between implementations, which would turn ties into non-ties.
    const probs = logits.map(l => softmax(l));
    return { k, truth, predicted, probs, binary, scores, y, yhat };
  });
  const theirs = python(
    [
      'import json,sys,numpy as np',
      'from sklearn import metrics as M',
      'out=[]',
      'for c in json.load(sys.stdin):',
      '  t,p,k=c["truth"],c["predicted"],c["k"]',
      '  probs=np.array(c["probs"])',
      '  fpr,tpr,thr=M.roc_curve(c["binary"],c["scores"],drop_intermediate=False)',
      '  out.append(dict(acc=M.accuracy_score(t,p),bal=M.balanced_accuracy_score(t,p),f1=M.f1_score(t,p,average="macro"),',
      '    cm=M.confusion_matrix(t,p,labels=list(range(k))).tolist(),',
      '    auc=M.roc_auc_score(c["binary"],c["scores"]),',
      '    mauc=M.roc_auc_score(t,probs,multi_class="ovr",average="macro",labels=list(range(k))) if k>2 else M.roc_auc_score(t,probs[:,1]),',
      '    fpr=fpr.tolist(),tpr=tpr.tolist(),thr=thr[1:].tolist(),',
      '    mse=M.mean_squared_error(c["y"],c["yhat"]),mae=M.mean_absolute_error(c["y"],c["yhat"]),r2=M.r2_score(c["y"],c["yhat"]),',
      '    r=float(np.corrcoef(c["y"],c["yhat"])[0,1]) if np.std(c["yhat"])>0 else None))',
      'print(json.dumps(out))'
    ].join('\n'),
    cases
  ) as Record<string, number | number[] | number[][] | null>[];
  const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9);
  cases.forEach((c, i) => {
    const s = theirs[i];
    close(accuracy(c.truth, c.predicted), s.acc as number);
    close(balancedAccuracy(c.truth, c.predicted), s.bal as number);
    close(macroF1(c.truth, c.predicted), s.f1 as number);
    expect(confusionMatrix(c.truth, c.predicted, c.k)).toEqual(s.cm);
    close(auroc(c.binary, c.scores), s.auc as number);
    close(c.k > 2 ? multiclassAuroc(c.truth, c.probs) : auroc(c.truth, c.probs.map(p => p[1])), s.mauc as number);
    const roc = rocCurve(c.binary, c.scores);
    expect(roc.fpr).toHaveLength((s.fpr as number[]).length);
    roc.fpr.forEach((v, j) => close(v, (s.fpr as number[])[j]));
    roc.tpr.forEach((v, j) => close(v, (s.tpr as number[])[j]));
    roc.thresholds.slice(1).forEach((v, j) => close(v, (s.thr as number[])[j]));
    close(meanSquaredError(c.y, c.yhat), s.mse as number);
    close(meanAbsoluteError(c.y, c.yhat), s.mae as number);
    close(rSquared(c.y, c.yhat), s.r2 as number);
    if (s.r === null) expect(pearson(c.y, c.yhat)).toBeNaN();
    else close(pearson(c.y, c.yhat), s.r as number);
  });
  expect(() => confusionMatrix([0, 3], [0, 1], 2)).toThrow(/not in 0..1/);
});
