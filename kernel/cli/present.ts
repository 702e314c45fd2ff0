/**
 * How the `neurostorm` command presents each kind of verb result: text for people, `--json` for
 * scripts, and the exit code (0 done, 1 the work found a problem, 2 is usage and set elsewhere).
 */
import * as path from 'path';
import { formatCheckReport } from '../data';
import { configToJson } from '../models';
import { formatDoctorReport } from '../verbs/doctor-report';
import { describeModel, formatClusterJobs, formatMetricRows, jobsSucceeded, helpText, metricRows, offeredBy, VerbResult, VERBS, usageLine } from '../verbs';
import { CLI_STYLE } from './style';
import { formatDeviceRecord } from '../verbs/table/device-flag';

/** Where text goes: results to stdout, diagnostics (a failing notebook's traceback) to stderr. */
export interface Presented {
  out?: string;
  err?: string;
  code: number;
}

export function presentText(result: VerbResult): Presented {
  const shown = presentKind(result);
  // Verbs that run model graphs say on which device (--device): one line under any of them.
  const device = 'device' in result ? result.device : undefined;
  return device && shown.out !== undefined ? { ...shown, out: `${shown.out}\n${formatDeviceRecord(device)}` } : shown;
}

function presentKind(result: VerbResult): Presented {
  switch (result.kind) {
    case 'help':
      return { out: helpText(VERBS, CLI_STYLE, result.topic), code: 0 };
    case 'doctor':
      return { out: formatDoctorReport(result.report), code: cpuUsable(result) ? 0 : 1 };
    case 'synth':
      return {
        out: `wrote ${result.runs.length} runs of ${result.participants.length} subjects to ${result.root}`,
        code: 0
      };
    case 'check':
      return { out: formatCheckReport(result.report), code: result.report.summary.fail > 0 ? 1 : 0 };
    case 'model':
      return { out: describeModel(result), code: 0 };
    case 'install': {
      const l = result.location;
      if (result.action === 'install')
        return {
          out: `kernelspec   ${l.kernelspec}\nlabextension ${l.labextension}`,
          code: l.kernelspecInstalled && l.labextensionInstalled ? 0 : 1
        };
      const was = (b: boolean) => (b ? 'removed' : 'was not installed');
      return {
        out: `kernelspec   ${l.kernelspec} ${was(l.kernelspecInstalled)}\nlabextension ${l.labextension} ${was(l.labextensionInstalled)}`,
        code: 0
      };
    }
    case 'lab':
      return { out: `JupyterLab (${result.frontend}) on ${result.folder} stopped`, code: 0 };
    case 'notebook-run': {
      const f = result.failure;
      if (f)
        return {
          err: [
            `neurostorm run: cell ${f.cellIndex} failed: ${f.ename}: ${f.evalue}`,
            ...f.traceback,
            `outputs so far saved to ${result.output}`
          ].join('\n'),
          code: 1
        };
      const shown = path.relative(process.cwd(), result.output) || result.output;
      return { out: `${shown}: all cells ran (${result.seconds.toFixed(1)} s)`, code: 0 };
    }
    case 'preprocess': {
      const reused = result.runs.filter(r => r.reused).length;
      const out = `preprocessed ${result.runs.length} runs of ${result.dataset} into ${result.cacheDir} (${reused} reused)`;
      if (!result.failures.length) return { out, code: 0 };
      const err = [
        `${result.failures.length} runs failed (the others are cached):`,
        ...result.failures.map(f => `  ${f.file}: [${f.code}] ${f.reason}`)
      ].join('\n');
      return { out, err, code: 1 };
    }
    case 'pretrain':
      return {
        out: `pretrained ${result.run}: masked loss on held-out clips ${result.initialValidLoss.toPrecision(4)} -> ${result.finalValidLoss.toPrecision(4)} (${result.history.length} epochs)`,
        code: 0
      };
    case 'finetune': {
      const t = result.trainable;
      const s = result.subjects;
      const folds = result.validation.map(
        (v, i) => `  ${result.validation.length > 1 ? `fold ${i}: ` : ''}${Object.entries(v).map(([k, x]) => `${k} ${x.toPrecision(4)}`).join(', ')}`
      );
      const dropped = result.dropped.length
        ? [`dropped ${result.dropped.length}: ${result.dropped.slice(0, 5).map(d => `${d.subject} (${d.reason})`).join('; ')}${result.dropped.length > 5 ? '; ...' : ''}`]
        : [];
      return {
        out: [
          `finetuned ${result.run}: ${result.task} (${result.type})`,
          `trainable ${t.parameters.toLocaleString('en-US')} of ${t.total.toLocaleString('en-US')} parameters (${(100 * t.fraction).toPrecision(3)}%)`,
          `subjects: ${s.train} train, ${s.validation} validation, ${s.test} test`,
          'validation:',
          ...folds,
          ...dropped,
          `next: neurostorm evaluate ${result.run}`
        ].join('\n'),
        code: 0
      };
    }
    case 'evaluation': {
      const e = result.evaluation;
      const protocol = e.protocol ? `, ${e.protocol}` : '';
      return {
        out: [
          `${result.run}: ${e.task} (${e.type}, ${e.level} level${protocol}), ${e.split} split of ${e.folds} fold(s), ${e.units} units scored`,
          `subjects: ${e.subjects.train} train, ${e.subjects.validation} validation, ${e.subjects.test} test; intervals: ${e.bootstrap.reps} subject bootstrap resamples`,
          '',
          formatMetricRows(metricRows(e.metrics, e.baseline?.metrics), e.baseline?.name ?? null)
        ].join('\n'),
        code: 0
      };
    }
    case 'baseline': {
      const b = result.result;
      return {
        out: [
          `${result.run}: ${b.name} (${b.regions} regions of ${b.atlas}${b.lambdas ? `, lambdas ${b.lambdas.join(', ')}` : ''})`,
          '',
          formatMetricRows(metricRows(b.metrics, null), null)
        ].join('\n'),
        code: 0
      };
    }
    case 'embedding':
      return {
        out: [
          `embedded ${result.dataset} with ${result.model}: ${result.dim} dimensions`,
          `clips    ${result.clips.count} in ${result.clips.file} (index ${result.clips.index})`,
          `subjects ${result.subjects.count} in ${result.subjects.file} (index ${result.subjects.index})`
        ].join('\n'),
        code: 0
      };
    case 'attribution': {
      const a = result.attribution;
      return {
        out: `${a.method} of ${result.run} for ${a.subject} over ${a.clips} clips (${a.checkpoint}) written to ${a.file}`,
        code: 0
      };
    }
    case 'cluster-jobs':
      return { out: formatClusterJobs(result), code: jobsSucceeded(result) ? 0 : 1 };
    case 'volume':
      // Not offered on the CLI (the table marks view as a notebook verb); kept total for the compiler.
      return { out: `${result.image}`, code: 0 };
  }
}

/** The result as one JSON document (`--json`): data only, no live objects. */
export function presentJson(result: VerbResult): Presented {
  const text = (value: unknown) => JSON.stringify(value, null, 2);
  switch (result.kind) {
    case 'help':
      return {
        out: text(
          VERBS.filter(v => offeredBy(v, 'cli')).map(v => ({ verb: v.name, summary: v.summary, usage: usageLine(v, CLI_STYLE) }))
        ),
        code: 0
      };
    case 'doctor':
      return { out: text(result.report), code: cpuUsable(result) ? 0 : 1 };
    case 'model':
      return {
        out: text({ source: result.source, parameters: result.parameters, config: configToJson(result.model.config), device: result.device }),
        code: 0
      };
    case 'check':
      return { out: text(result.report), code: result.report.summary.fail > 0 ? 1 : 0 };
    case 'evaluation':
      // The contract of issue 12: exactly the object ns.evaluate returns.
      return { out: text(result.evaluation), code: 0 };
    case 'baseline':
      return { out: text(result.result), code: 0 };
    case 'attribution': {
      // The maps are in the NIfTI written; JSON says where, and what was explained.
      const { input: _input, volume: _volume, ...rest } = result.attribution;
      return { out: text({ run: result.run, ...rest, device: result.device }), code: 0 };
    }
    default: {
      const { kind: _kind, ...data } = result;
      return { out: text(data), code: presentText(result).code };
    }
  }
}

function cpuUsable(result: Extract<VerbResult, { kind: 'doctor' }>): boolean {
  return result.report.providers.some(p => p.name === 'cpu' && p.usable);
}
