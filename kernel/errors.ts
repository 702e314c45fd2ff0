/**
 * The one error hierarchy of NeuroSTORM Lab (design.md, "Conventions").
 *
 * Every error says what was expected, what was found and what to do. `code` is stable and
 * machine-readable; `file` names the offending file when there is one; `hint` is the next step.
 * Areas add subclasses here (one place), never ad-hoc `Error`s at module boundaries.
 */
export interface ErrorDetails {
  /** The file the problem is in, when there is one. */
  file?: string;
  /** What to do about it. */
  hint?: string;
  /** The underlying error, kept for stack traces. */
  cause?: unknown;
}

/** Base class: every error this package throws on purpose is one of these. */
export class NeuroStormError extends Error {
  readonly code: string;
  readonly file?: string;
  readonly hint?: string;

  constructor(code: string, message: string, details: ErrorDetails = {}) {
    const where = details.file ? `${details.file}: ` : '';
    const hint = details.hint ? ` (${details.hint})` : '';
    super(`${where}${message}${hint}`, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = code;
    this.file = details.file;
    this.hint = details.hint;
  }
}

/** A tensor shape does not fit an op, a model input or a stored tensor. */
export class ShapeError extends NeuroStormError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('E_SHAPE', message, details);
  }
}

/** A tensor dtype is not the one an op or file requires. */
export class DTypeError extends NeuroStormError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('E_DTYPE', message, details);
  }
}

/** An op is not known to the graph builder's registry. */
export class UnknownOpError extends NeuroStormError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('E_UNKNOWN_OP', message, details);
  }
}

/** Backward reached an op whose gradient rule is `notImplemented` or non-differentiable on the path. */
export class GradientNotImplementedError extends NeuroStormError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('E_NO_GRADIENT', message, details);
  }
}

/** onnxruntime failed to create or run a session, or a requested execution provider is unusable. */
export class RuntimeProviderError extends NeuroStormError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('E_RUNTIME', message, details);
  }
}

/** A NIfTI/Analyze file is malformed, truncated, unsupported or lies in its header. */
export class NiftiFormatError extends NeuroStormError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('E_NIFTI', message, details);
  }
}

/** A dataset (BIDS layout, sidecar, participants table, cache) is malformed or inconsistent. */
export class DatasetError extends NeuroStormError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('E_DATASET', message, details);
  }
}

/** A weights file (safetensors, .ckpt/.pth, config.json) is malformed, unsafe or does not fit the model. */
export class WeightsError extends NeuroStormError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('E_WEIGHTS', message, details);
  }
}

/**
 * Writing a file failed because the disk (or the user's quota) is full. `file` names the file
 * being written; whatever was there before is still intact (atomic writes).
 */
export class DiskFullError extends NeuroStormError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('E_DISK_FULL', message, details);
  }
}

/** One failed item of a batch job (a run of a cohort), with the typed error's code and message. */
export interface ItemFailure {
  file: string;
  code: string;
  reason: string;
}

/**
 * A batch job finished every item it could, and some failed: `failures` lists each with its
 * reason. The good items' results are kept (caches written), so a rerun redoes only the failures.
 */
export class PartialFailureError extends NeuroStormError {
  readonly failures: ItemFailure[];
  constructor(message: string, failures: ItemFailure[], details: ErrorDetails = {}) {
    super('E_PARTIAL', message, details);
    this.failures = failures;
  }
}

/** A model or training configuration is invalid. */
export class ConfigError extends NeuroStormError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('E_CONFIG', message, details);
  }
}

/** A Jupyter message or kernel interaction violates the messaging protocol. */
export class KernelProtocolError extends NeuroStormError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('E_KERNEL_PROTOCOL', message, details);
  }
}

/** A `%neurostorm` magic or CLI invocation has an unknown verb or bad flags. */
export class UsageError extends NeuroStormError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('E_USAGE', message, details);
  }
}

/** Long work stopped at a safe point because its abort signal fired (interrupt). */
export class AbortedError extends NeuroStormError {
  constructor(message = 'interrupted', details: ErrorDetails = {}) {
    super('E_ABORTED', message, details);
  }
}

/** A display payload does not match its schema. */
export class PayloadError extends NeuroStormError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('E_PAYLOAD', message, details);
  }
}
