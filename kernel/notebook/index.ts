/**
 * `ns.notebook`: what cells and `%neurostorm` magics use to talk to the notebook — magics, the
 * running cell's abort signal, rich display and live progress.
 */
export { runMagic, splitMagicLine } from './magic';
export { MAGIC_VERBS } from './magic-table';
export type { MagicVerb, MagicContext } from './magic-verb';
export { currentSignal, safePoint, throwIfAborted, runWithSignal } from './abort';
export { display, updateDisplay, isDisplayable, MIME_BUNDLE, MimeBundleValue } from './display';
export type { Displayable } from './display';
export type { MimeBundle } from './wire';
export { view, VolumeView } from './volume-view';
export type { ViewOptions, LayerOptions, VolumeInput } from './volume-view';
export { plot, PlotView, validatePlotSpec } from './plot-view';
export type { PlotOptions } from './plot-view';
export { track, longWork, ProgressDisplay } from './progress';
export type { ProgressOptions, ProgressUpdate } from './progress';
export type { ProgressEvent } from '../progress';
export { configure, displaySettings } from './settings';
export type { DisplaySettings } from './settings';
export * from './payload-types';
