/**
 * `ns.data`: BIDS discovery, the preprocessing validator, NeuroSTORM preprocessing into frame
 * caches, the clip sampler, subject-level splits, ROI/FC features, and the synthetic cohort.
 *
 *   await ns.data.synth({ out: 'cohort' });          // the embedded default dataset
 *   const { template, atlas, atlasLabels } = ns.data.assets();  // shipped MNI 2 mm files
 *   const ds = await ns.data.openBids('cohort');
 *   console.log(ns.data.formatCheckReport(await ns.data.check(ds)));
 *   const { runs } = await ns.data.preprocess(ds);
 *   const s = ns.data.splits(ds.runs, { seed: 1, stratifyBy: 'diagnosis' });
 */
export { openBids, parseBidsName, MNI_SPACES } from './bids';
export type { BidsDataset, BidsRun, SkippedFile } from './bids';
export { check, formatCheckReport } from './check';
export type { CheckReport, CheckRow, CheckStatus, CheckOptions } from './check';
export { preprocess, preprocessRun, fileSha256, TARGET_TR } from './preprocess';
export type { PreprocessOptions, PreprocessedRun, RunPreprocessOptions, PreprocessReport, PreprocessFailure } from './preprocess';
export { readCacheHeader, readCacheFrames, CACHE_VERSION } from './frame-cache';
export type { CacheHeader } from './frame-cache';
export { clipsOf, batches, readClip, readBatch } from './sampler';
export type { Clip, Batch, BatchOptions, ClipOptions } from './sampler';
export { splits, splitSubjects, splitOf, kFolds, readSplitFile, assertDisjoint } from './splits';
export { participantLabels, findColumn, eventsFileOf, readEvents, frameStates, clipState, stateSource, reidSubjects, MISSING_CODES } from './labels';
export type { SubjectLabels, DroppedLabel, TaskEventRow, LabelType } from './labels';
export type { Splits, SplitOptions, SplitFractions } from './splits';
export { roiTimeSeries, correlationMatrix, connectivityFeatures } from './connectivity';
export type { RoiTimeSeries } from './connectivity';
export { labelMapOnGrid, readLabelNames } from './atlas';
export type { LabelMap } from './atlas';
export { MNI_2MM_LAS, MODEL_EDGE, sameGrid } from './grid';
export type { Grid } from './grid';
export { planSpatial, classifyGrid } from './spatial';
export { synth, synthRegionSeries, SYNTH_DEFAULTS } from './synth/cohort';
export type { SynthOptions, SynthWriteOptions, SynthRunInfo, RegionSeriesRun } from './synth/cohort';
export { DEFAULT_EFFECTS, ZERO_EFFECTS } from './synth/network';
export type { EffectSizes, Participant } from './synth/network';
export { resolveSynthAssets } from './synth/assets';
export type { SynthAssets } from './synth/assets';
export { assets, embeddedAssetsDir } from './embedded';
export type { EmbeddedAssets } from './embedded';
export { Random } from '../random';
export { readTsv, parseTsv } from './tsv';
export type { ProgressEvent, LongWorkOptions } from '../progress';
