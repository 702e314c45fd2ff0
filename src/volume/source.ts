/**
 * Bytes of a volume layer: an embedded gzipped NIfTI (base64) or a file fetched through the Jupyter
 * server's files endpoint, resolved relative to the notebook by JupyterLab's URL resolver.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { VolumeSource } from '../../kernel/notebook/display/payload-types';

/** A layer's bytes could not be obtained; the message says which file and why. */
export class VolumeSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VolumeSourceError';
  }
}

/** Decodes an embedded source, refusing one larger than `maxBytes` (the maxEmbeddedBytes setting). */
export function decodeEmbedded(source: VolumeSource & { kind: 'embedded' }, maxBytes: number): ArrayBuffer {
  if (source.bytes > maxBytes) {
    throw new VolumeSourceError(
      `embedded volume of ${source.bytes} bytes exceeds the maximum embedded payload size of ${maxBytes} bytes ` +
        '(raise "Maximum embedded payload size" in the NeuroSTORM Lab settings, or have the kernel reference the file by path)'
    );
  }
  const binary = atob(source.data);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

/**
 * The URL of a `path` source: through the resolver (notebook directory, files endpoint, XSRF) in
 * JupyterLab; relative to the page elsewhere (the standalone test page).
 */
export async function sourceUrl(path: string, resolver: IRenderMime.IResolver | null): Promise<string> {
  if (!resolver) return new URL(path.split('/').map(encodeURIComponent).join('/'), document.baseURI).href;
  const resolved = await resolver.resolveUrl(path);
  return resolver.getDownloadUrl(resolved);
}

/** Fetches a `path` source; HTTP failures name the path and status. */
export async function fetchPathSource(path: string, resolver: IRenderMime.IResolver | null, signal?: AbortSignal): Promise<ArrayBuffer> {
  const url = await sourceUrl(path, resolver);
  let response: Response;
  try {
    response = await fetch(url, { credentials: 'same-origin', signal });
  } catch (err) {
    throw new VolumeSourceError(`could not load ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!response.ok) throw new VolumeSourceError(`could not load ${path}: HTTP ${response.status} ${response.statusText}`);
  return response.arrayBuffer();
}

/** A file name niivue recognises for these bytes (it picks the reader from the extension). */
export function niftiName(base: string, bytes: ArrayBuffer): string {
  const head = new Uint8Array(bytes, 0, Math.min(2, bytes.byteLength));
  const gz = head[0] === 0x1f && head[1] === 0x8b;
  return `${base.replace(/[^A-Za-z0-9_-]/g, '_') || 'volume'}.nii${gz ? '.gz' : ''}`;
}
