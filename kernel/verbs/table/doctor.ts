/**
 * `doctor` (`info` in notebooks): Node, onnxruntime-node and execution providers, CPUs, memory,
 * GPUs, and where the Jupyter pieces are installed.
 */
import { doctorReport } from '../doctor-report';
import { DoctorResult } from '../results';
import { Verb } from '../verb';

export const DOCTOR_VERB: Verb<DoctorResult> = {
  name: 'doctor',
  shownAs: { magic: 'info' },
  summary: 'Node, onnxruntime-node and execution providers, CPUs, memory, GPUs, Jupyter install state',
  positionals: [],
  flags: {},
  takesBody: false,
  call: async (_input, ctx) => ({ kind: 'doctor', report: await doctorReport(ctx.env) })
};
