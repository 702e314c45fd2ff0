/**
 * Shared DOM pieces of the renderers: the readable error box and the output state marker. Payload
 * text is only ever assigned through textContent.
 */

/** Output states, set as `data-state` on the renderer node (the browser tests wait on it). */
export type RenderState = 'loading' | 'ready' | 'error';

export function setState(node: HTMLElement, state: RenderState): void {
  node.dataset.state = state;
}

/** Replaces `node`'s content with a readable error: a heading and the message as plain text. */
export function showError(node: HTMLElement, heading: string, error: unknown): void {
  const box = document.createElement('div');
  box.className = 'jp-NeuroStorm-error';
  box.setAttribute('role', 'alert');
  const title = document.createElement('div');
  title.className = 'jp-NeuroStorm-errorTitle';
  title.textContent = heading;
  const body = document.createElement('pre');
  body.className = 'jp-NeuroStorm-errorBody';
  body.textContent = error instanceof Error ? error.message : String(error);
  box.append(title, body);
  node.replaceChildren(box);
  setState(node, 'error');
}
