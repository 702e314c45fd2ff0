/**
 * `ns.notebook`: what cells and `%neurostorm` magics use to talk to the notebook — magics, the
 * running cell's abort signal, rich display and live progress.
 */
export { runMagic, splitMagicLine, magicHelp, completeMagic } from './magic';
export { currentSignal, safePoint, throwIfAborted, runWithSignal } from './kernel/abort';
export { showTracebacks } from './kernel/error-report';
export { display, updateDisplay, isDisplayable, MIME_BUNDLE, MimeBundleValue } from './display/display';
export type { Displayable } from './display/display';
export type { MimeBundle } from '../verbs/jupyter/wire';
export { view, VolumeView } from './display/volume-view';
export type { ViewOptions, LayerOptions, VolumeInput } from './display/volume-view';
export { plot, PlotView, validatePlotSpec } from './display/plot-view';
export type { PlotOptions } from './display/plot-view';
export { track, longWork, ProgressDisplay } from './display/progress';
export type { ProgressOptions, ProgressUpdate } from './display/progress';
export type { ProgressEvent } from '../progress';
export { configure, displaySettings } from './display/settings';
export type { DisplaySettings } from './display/settings';
export * from './display/payload-types';
