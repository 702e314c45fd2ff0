import type { PlotPayload } from '../../kernel/notebook/display/payload-types';
import { buildFigure } from '../../src/plot/figures';
import { escapePlotText } from '../../src/plot/text';
import { plotTheme, resolveThemeMode } from '../../src/plot/theme';

const light = plotTheme('light', undefined, () => '');
const fig = (plot: PlotPayload['plot'], title = '') => buildFigure({ version: 1, title, plot }, light);

describe('plot figures', () => {
  it('ROC: one line per curve with AUC in its name, plus the chance diagonal', () => {
    const f = fig({ kind: 'roc', curves: [{ label: 'ASD vs TD', fpr: [0, 0.2, 1], tpr: [0, 0.7, 1], auc: 0.8125 }] });
    expect(f.data.map(t => t.name)).toEqual(['ASD vs TD (AUC = 0.813)', 'chance']);
    expect(f.layout.xaxis?.title?.text).toBe('False positive rate');
    expect(f.layout.yaxis?.title?.text).toBe('True positive rate');
    expect(f.layout.title?.text).toBe('ROC curve');
  });

  it('confusion: heatmap with labels on both axes, true label reversed top-down', () => {
    const f = fig({ kind: 'confusion', labels: ['rest', 'face'], matrix: [[5, 1], [2, 7]], normalized: false }, 'Haxby');
    expect(f.data[0]).toMatchObject({ type: 'heatmap', x: ['rest', 'face'], y: ['rest', 'face'], z: [[5, 1], [2, 7]], texttemplate: '%{z:d}' });
    expect(f.layout.yaxis).toMatchObject({ autorange: 'reversed', title: { text: 'True label' } });
    expect(f.layout.title?.text).toBe('Haxby');
  });

  it('scatter: points, identity line over the data range, r in the title', () => {
    const f = fig({ kind: 'scatter', x: [10, 20, 30], y: [12, 18, 33], r: 0.97, xLabel: 'age', yLabel: 'predicted age' }, 'Age');
    expect(f.data[1]).toMatchObject({ name: 'identity (y = x)', x: [10, 33], y: [10, 33] });
    expect(f.layout.title?.text).toBe('Age · r = 0.970');
    expect(f.layout.xaxis?.title?.text).toBe('age');
  });

  it('training, rank and distribution traces', () => {
    expect(fig({ kind: 'training', series: [{ name: 'train', x: [1, 2], y: [1, null] }, { name: 'valid', x: [2], y: [0.5] }], xLabel: 'step', yLabel: 'loss' }).data.map(t => [t.name, 'y' in t ? t.y : undefined])).toEqual([['train', [1, null]], ['valid', [0.5]]]);
    expect(fig({ kind: 'rank', curves: [{ label: 'rest1→rest2', rank: [1, 2], accuracy: [0.5, 0.75] }] }).layout.xaxis?.title?.text).toBe('Rank');
    const d = fig({ kind: 'distribution', variable: 'AGE_AT_SCAN', groups: [{ name: 'ASD', values: [9, 10] }, { name: 'TD', values: [11] }] });
    expect(d.data.map(t => [t.type, t.name])).toEqual([['violin', 'ASD'], ['violin', 'TD']]);
    expect(d.layout.yaxis?.title?.text).toBe('AGE_AT_SCAN');
  });

  it('escapes markup in every payload string', () => {
    const evil = '<img src=x onerror="alert(1)"><a href="javascript:alert(2)">x</a>&amp;';
    const f = fig({ kind: 'scatter', x: [1], y: [1], r: 0, xLabel: evil, yLabel: evil, pointLabels: [evil] }, evil);
    const strings = JSON.stringify(f);
    expect(strings).not.toContain('<img');
    expect(strings).not.toContain('<a ');
    expect(f.layout.xaxis?.title?.text).toBe('&lt;img src=x onerror="alert(1)"&gt;&lt;a href="javascript:alert(2)"&gt;x&lt;/a&gt;&amp;amp;');
    expect(escapePlotText('a<b')).toBe('a&lt;b');
  });
});

describe('plot theme', () => {
  it('follows the JupyterLab body attribute on auto and reads its CSS variables', () => {
    expect(resolveThemeMode('auto', 'false')).toBe('dark');
    expect(resolveThemeMode('auto', undefined)).toBe('light');
    expect(resolveThemeMode('light', 'false')).toBe('light');
    const vars: Record<string, string> = { '--jp-layout-color0': ' #111 ', '--jp-ui-font-color1': 'rgba(255,255,255,1)' };
    const t = plotTheme('auto', 'false', name => vars[name] ?? '');
    expect(t).toMatchObject({ mode: 'dark', paper: '#111', font: 'rgba(255,255,255,1)', grid: '#424242' });
    expect(plotTheme('dark', 'true', name => vars[name] ?? '').paper).toBe('#111111');
  });
});
