/**
 * A Jupyter client over ZeroMQ for `neurostorm run`: shell and control as Dealers, iopub as a
 * Subscriber, messages signed with the connection's HMAC key (wire-codec.ts). It waits for the
 * reply AND the iopub `idle` of each request, as nbclient does, so no output is lost.
 */
import { randomUUID } from 'crypto';
import * as zmq from 'zeromq';
import { KernelProtocolError } from '../../errors';
import { decodeMessage, encodeMessage, MessageSigner, newHeader } from './wire-codec';
import { ConnectionInfo, ExecuteRequest, JupyterMessage } from './wire';

/** Resolves after `ms` without keeping the process alive for it. */
function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms).unref());
}

type Waiter = { resolve: (msg: JupyterMessage) => void; reject: (err: Error) => void };

export class KernelClient {
  private readonly shell = new zmq.Dealer({ linger: 0 });
  private readonly control = new zmq.Dealer({ linger: 0 });
  /** No high-water mark: ZeroMQ would drop outputs past 1000 unread messages (kernel-server.ts). */
  private readonly iopub = new zmq.Subscriber({ linger: 0, receiveHighWaterMark: 0 });
  private readonly signer: MessageSigner;
  private readonly session = randomUUID();
  private readonly replies = new Map<string, Waiter>();
  private readonly listeners = new Map<string, (msg: JupyterMessage) => void>();
  private failure: Error | null = null;

  constructor(private readonly connection: ConnectionInfo) {
    this.signer = new MessageSigner(connection.key, connection.signature_scheme);
    const url = (port: number) => `${connection.transport}://${connection.ip}:${port}`;
    this.shell.connect(url(connection.shell_port));
    this.control.connect(url(connection.control_port));
    this.iopub.connect(url(connection.iopub_port));
    this.iopub.subscribe();
    void this.readReplies(this.shell);
    void this.readReplies(this.control);
    void this.readIopub();
  }

  /** Makes every pending and later wait fail with `err` (e.g. when the kernel process died). */
  fail(err: Error): void {
    this.failure = err;
    for (const w of this.replies.values()) w.reject(err);
    this.replies.clear();
  }

  private async readReplies(sock: zmq.Dealer): Promise<void> {
    try {
      for await (const frames of sock) {
        const msg = this.decode(frames);
        const id = msg?.parent_header.msg_id;
        const waiter = id ? this.replies.get(id) : undefined;
        if (msg && id && waiter) {
          this.replies.delete(id);
          waiter.resolve(msg);
        }
      }
    } catch {
      // The socket was closed.
    }
  }

  private async readIopub(): Promise<void> {
    try {
      for await (const frames of this.iopub) {
        const msg = this.decode(frames);
        const id = msg?.parent_header.msg_id;
        if (msg && id) this.listeners.get(id)?.(msg);
      }
    } catch {
      // The socket was closed.
    }
  }

  private decode(frames: Buffer[]): JupyterMessage | null {
    try {
      return decodeMessage(frames, this.signer);
    } catch (err) {
      this.fail(err instanceof Error ? err : new KernelProtocolError(String(err)));
      return null;
    }
  }

  /** Sends a request; `onIopub` sees the iopub messages it causes. Resolves with the reply. */
  async request(
    channel: 'shell' | 'control',
    msgType: string,
    content: unknown,
    onIopub?: (msg: JupyterMessage) => void
  ): Promise<JupyterMessage> {
    if (this.failure) throw this.failure;
    const header = newHeader(msgType, this.session, 'neurostorm-run');
    if (onIopub) this.listeners.set(header.msg_id, onIopub);
    const reply = new Promise<JupyterMessage>((resolve, reject) =>
      this.replies.set(header.msg_id, { resolve, reject })
    );
    const frames = encodeMessage(
      { identities: [], header, parent_header: {}, metadata: {}, content },
      this.signer
    );
    await (channel === 'shell' ? this.shell : this.control).send(frames);
    return reply;
  }

  /**
   * Sends kernel_info_request until one round trip shows on iopub too: a Subscriber only receives
   * after its subscription reached the kernel, so executing earlier could lose the first outputs.
   */
  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      let seenIopub = false;
      const attempt = this.request('shell', 'kernel_info_request', {}, () => (seenIopub = true));
      const answered = await Promise.race([attempt.then(() => true), sleep(1000).then(() => false)]);
      if (answered) {
        await sleep(50);
        if (seenIopub) return;
      }
      if (this.failure) throw this.failure;
    }
    throw new KernelProtocolError(`the kernel did not answer within ${timeoutMs / 1000} s`);
  }

  /** Executes code; `onOutput` receives each iopub output. Resolves with the execute_reply once the kernel is idle. */
  async execute(
    code: string,
    onOutput: (msg: JupyterMessage) => void,
    options: Partial<ExecuteRequest> = {}
  ): Promise<JupyterMessage> {
    let markIdle = (): void => undefined;
    const idle = new Promise<void>(resolve => (markIdle = resolve));
    const request: ExecuteRequest = {
      code,
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: false,
      stop_on_error: true,
      ...options
    };
    const reply = await this.request('shell', 'execute_request', request, msg => {
      if (msg.header.msg_type === 'status') {
        if ((msg.content as { execution_state?: string }).execution_state === 'idle') markIdle();
      } else {
        onOutput(msg);
      }
    });
    // The idle status normally precedes or closely follows the reply; do not wait forever for a lost one.
    await Promise.race([idle, sleep(5000)]);
    this.listeners.delete(reply.parent_header.msg_id ?? '');
    return reply;
  }

  interrupt(): Promise<JupyterMessage> {
    return this.request('control', 'interrupt_request', {});
  }

  shutdown(): Promise<JupyterMessage> {
    return this.request('control', 'shutdown_request', { restart: false });
  }

  close(): void {
    this.shell.close();
    this.control.close();
    this.iopub.close();
  }
}
