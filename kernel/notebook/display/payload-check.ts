/**
 * The kernel side of the shared payload rules (payload-rules.ts): what `ns.plot` / `ns.view` build
 * is checked by the same schemas the extension applies, and a problem becomes our typed
 * PayloadError listing every issue, before anything is sent.
 */
import { PayloadError } from '../../errors';
import { PayloadByMime, validatePayload } from './payload-rules';
import { check, PayloadValidationError, Schema } from './payload-schema';
import { NeuroStormMime } from './payload-types';

function asPayloadError(err: unknown, what: string, hint: string): unknown {
  if (!(err instanceof PayloadValidationError)) return err;
  const issues = err.issues.map(i => `${i.path || '(payload)'}: ${i.message}`);
  return new PayloadError(`invalid ${what}: ${issues.join('; ')}`, { hint });
}

/** Returns `payload` when it passes the rules of `mime`; PayloadError otherwise. */
export function checkedPayload<M extends NeuroStormMime>(mime: M, payload: PayloadByMime[M], hint: string): PayloadByMime[M] {
  try {
    return validatePayload(mime, payload);
  } catch (err) {
    throw asPayloadError(err, mime.replace(/^application\/vnd\.neurostorm\.|\+json$/g, '') + ' payload', hint);
  }
}

/** Checks a value against one schema of the rules; PayloadError naming `what` otherwise. */
export function checkedPart<T>(schema: Schema<T>, value: unknown, what: string, hint: string): T {
  try {
    return check(schema, value, what);
  } catch (err) {
    throw asPayloadError(err, what, hint);
  }
}
