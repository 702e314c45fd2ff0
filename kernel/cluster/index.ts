/**
 * `ns.cluster`: cohort-scale work as Slurm array jobs (see README.md): preprocessing one task per
 * run, fine-tuning sweeps one task per point, following a job and gathering its results.
 */
export type { SlurmOptions } from './options';
export { sbatchDirectives } from './options';
export { parseShard, shardOf } from './shard';
export type { Shard } from './shard';
export { parseSweep, sweepPoints, pointName } from './sweep';
export type { SweepPoint } from './sweep';
export { followJob, jobStatus, readJobRecord, requireAllDone, stateLine, TASK_STATES } from './job';
export type { JobRecord, JobStatus, TaskState, TaskStatus } from './job';
export { runArrayJob } from './array';
export type { ArrayRun, ClusterRunOptions } from './array';
export { preprocessOnSlurm } from './preprocess-job';
export type { PreprocessJob } from './preprocess-job';
export { finetuneSweepOnSlurm, gatherSweep } from './finetune-sweep';
export type { SweepJob, SweepRow } from './finetune-sweep';
export { embedOnSlurm, mergeEmbeddingShards } from './embed-job';
export type { EmbedJob } from './embed-job';
export { jobsOfThisProcess } from './submitted';
export { scancel } from './slurm';
export { jobFiles } from './paths';
