/**
 * Rich display: how values become MIME bundles, and where display messages go.
 *
 * A value is displayable when it has a `[MIME_BUNDLE]()` method (the counterpart of IPython's
 * `_repr_mimebundle_`). The kernel shows such a value as a rich `execute_result` when it is a cell's
 * last expression, and `display(value)` sends it as `display_data` from anywhere in a cell.
 * Outside a kernel there is no sink and `display` is a typed error, never a silent no-op.
 */
import { PayloadError } from '../../errors';
import { MimeBundle } from '../../verbs/jupyter/wire';

/** Symbol.for, so a bundle made by another copy of this module is still recognised. */
export const MIME_BUNDLE = Symbol.for('neurostorm-lab.mimeBundle');

export interface Displayable {
  [MIME_BUNDLE](): MimeBundle;
}

export function isDisplayable(value: unknown): value is Displayable {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<Displayable>)[MIME_BUNDLE] === 'function'
  );
}

/** Where display messages go: the kernel installs one per cell (display_data / update_display_data). */
export interface DisplaySink {
  display(bundle: MimeBundle, displayId: string | undefined): void;
  update(bundle: MimeBundle, displayId: string): void;
}

let sink: DisplaySink | null = null;

/** Called by the kernel when a cell starts; outputs written later (async work) go to the last cell. */
export function setDisplaySink(next: DisplaySink | null): void {
  sink = next;
}

export function hasDisplaySink(): boolean {
  return sink !== null;
}

function requireSink(): DisplaySink {
  if (!sink) {
    throw new PayloadError('no notebook to display into', {
      hint: 'display() works inside the NeuroSTORM kernel; outside it, call [MIME_BUNDLE]() for the bundle'
    });
  }
  return sink;
}

/** A bundle wrapped as a displayable value. */
export class MimeBundleValue implements Displayable {
  constructor(readonly bundle: MimeBundle) {}
  [MIME_BUNDLE](): MimeBundle {
    return this.bundle;
  }
}

/** Sends `value` (a displayable, or a raw bundle) as display_data; returns nothing, like IPython's display. */
export function display(value: Displayable | MimeBundle, displayId?: string): void {
  requireSink().display(isDisplayable(value) ? value[MIME_BUNDLE]() : value, displayId);
}

/** Replaces the output shown under `displayId` (update_display_data). */
export function updateDisplay(value: Displayable | MimeBundle, displayId: string): void {
  requireSink().update(isDisplayable(value) ? value[MIME_BUNDLE]() : value, displayId);
}
