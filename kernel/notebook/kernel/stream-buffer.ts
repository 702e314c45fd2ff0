/**
 * Coalesces a cell's stdout/stderr writes into few `stream` messages, as ipykernel's OutStream does.
 * One message per `console.log` flooded iopub: a cell printing 5,000 lines sent 5,000 messages and
 * ZeroMQ's high-water marks dropped some of them silently. Text is buffered per stream name and
 * flushed after FLUSH_MS, when a chunk reaches MAX_CHUNK_CHARS, when the other stream writes (so
 * stdout/stderr keep their order), and explicitly before any other output and at the end of a cell.
 */
import { StreamContent } from '../../verbs/jupyter/wire';

/** How long written text may wait before it is sent (ipykernel flushes every 0.2 s). */
export const FLUSH_MS = 50;
/** Largest text of one stream message; bigger writes are split (no single multi-GB frame). */
export const MAX_CHUNK_CHARS = 1 << 20;

export class StreamBuffer {
  private name: StreamContent['name'] | null = null;
  private parts: string[] = [];
  private size = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly send: (content: StreamContent) => void) {}

  write(name: StreamContent['name'], text: string): void {
    if (text === '') return;
    if (this.name !== null && this.name !== name) this.flush();
    this.name = name;
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= MAX_CHUNK_CHARS) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  /** Sends everything buffered now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.name === null || this.size === 0) return;
    const text = this.parts.join('');
    const name = this.name;
    this.parts = [];
    this.size = 0;
    this.name = null;
    for (let at = 0; at < text.length; at += MAX_CHUNK_CHARS) {
      this.send({ name, text: text.slice(at, at + MAX_CHUNK_CHARS) });
    }
  }
}
