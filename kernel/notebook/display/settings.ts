/**
 * Kernel-side display settings. The embedded-size cap has one source of truth: the extension's
 * settings schema (schema/renderers.json, maxEmbeddedBytes), read here for its default.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError } from '../../errors';
import { packageRoot } from '../../version';

export interface DisplaySettings {
  /** Volumes whose gzipped NIfTI is larger are referenced by path, with a downsampled preview. */
  maxEmbeddedBytes: number;
}

const MIN_EMBEDDED_BYTES = 65536;

function schemaDefault(): number {
  const file = path.join(packageRoot(), 'schema', 'renderers.json');
  const schema = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    properties?: { maxEmbeddedBytes?: { default?: unknown } };
  };
  const value = schema.properties?.maxEmbeddedBytes?.default;
  if (typeof value !== 'number') throw new ConfigError('maxEmbeddedBytes has no numeric default', { file });
  return value;
}

let current: DisplaySettings | null = null;

export function displaySettings(): DisplaySettings {
  current ??= { maxEmbeddedBytes: schemaDefault() };
  return current;
}

/** Changes settings for the rest of the session, e.g. `ns.notebook.configure({ maxEmbeddedBytes: 8 << 20 })`. */
export function configure(changes: Partial<DisplaySettings>): DisplaySettings {
  const next = { ...displaySettings(), ...changes };
  if (!Number.isInteger(next.maxEmbeddedBytes) || next.maxEmbeddedBytes < MIN_EMBEDDED_BYTES) {
    throw new ConfigError(
      `maxEmbeddedBytes must be an integer >= ${MIN_EMBEDDED_BYTES}, got ${next.maxEmbeddedBytes}`
    );
  }
  current = next;
  return next;
}
