/**
 * The ZeroMQ side of the kernel. tslab's ZmqServer keeps what it does well (reading the connection
 * file, binding the five sockets, the heartbeat echo, the receive loops); we take over message
 * handling, because tslab handles every shell message concurrently, publishes busy on arrival,
 * does not answer interrupt_request, and replies to comm_info_request as complete_reply.
 *
 * Shell requests run one at a time in arrival order (as ipykernel does); control requests
 * (interrupt, shutdown, kernel_info) are answered at once, even while a cell runs. Busy/idle are
 * published around each request in try/finally (style.md §7).
 */
import { ZmqServer } from 'tslab/dist/jupyter';
import { versions as tslabVersions } from 'tslab/dist/public';
import type * as zmq from 'zeromq';
import { KernelProtocolError } from '../../errors';
import { packageVersion } from '../../version';
import { KernelHandler, OutputMessage } from './kernel-handler';
import { decodeMessage, encodeMessage, MessageSigner, newHeader } from '../../verbs/jupyter/wire-codec';
import {
  CompleteRequest,
  ExecuteReply,
  ExecuteRequest,
  InspectRequest,
  IsCompleteRequest,
  JupyterMessage,
  PROTOCOL_VERSION,
  ShutdownRequest
} from '../../verbs/jupyter/wire';

type ServerHandler = ConstructorParameters<typeof ZmqServer>[0];

export class NeuroStormServer extends ZmqServer {
  private signer: MessageSigner | null = null;
  private shellQueue: Promise<void> = Promise.resolve();
  private readonly sendQueues = new Map<zmq.Socket, Promise<void>>();
  /** Shell messages received so far, and up to which one queued executes are aborted after an error. */
  private received = 0;
  private abortThrough = 0;

  constructor(
    private readonly kernel: KernelHandler,
    configPath: string,
    private readonly onShutdown: () => void
  ) {
    // tslab's handler is never called: every message goes through handleShellMessage below, and
    // close() is ours. The object only satisfies the constructor's type.
    super({ close: () => kernel.close() } as unknown as ServerHandler, configPath);
    // No high-water mark on iopub: ZeroMQ's default (1000 queued messages) made the PUB socket drop
    // output silently when a cell printed faster than the client read (5,000 lines kept 4,305).
    // Memory is the bound instead; stream-buffer.ts keeps the message count low. tslab creates the
    // socket and binds it in one private method, so the option goes in there, before the bind.
    const server = this as unknown as { bindSocket(sock: zmq.Socket, port: number): Promise<void> };
    const bind = server.bindSocket.bind(this);
    server.bindSocket = (sock, port) => {
      if (sock === this.iopub) (sock as zmq.Publisher).sendHighWaterMark = 0;
      return bind(sock, port);
    };
  }

  private getSigner(): MessageSigner {
    if (!this.signer) this.signer = new MessageSigner(this.connInfo.key, this.connInfo.signature_scheme);
    return this.signer;
  }

  /** Sends on one socket at a time: zeromq rejects a send while the previous one is pending. */
  private send(sock: zmq.Socket & { send(frames: Buffer[]): Promise<void> }, frames: Buffer[]): void {
    const prev = this.sendQueues.get(sock) ?? Promise.resolve();
    const next = prev
      .then(() => sock.send(frames))
      .catch(err => {
        process.stderr.write(`neurostorm kernel: send failed: ${String(err)}\n`);
      });
    this.sendQueues.set(sock, next);
  }

  private reply(sock: zmq.Router, req: JupyterMessage<unknown>, msgType: string, content: unknown): void {
    const msg = {
      identities: req.identities,
      header: newHeader(msgType, req.header.session),
      parent_header: req.header,
      metadata: {},
      content
    };
    this.send(sock, encodeMessage(msg, this.getSigner()));
  }

  private publish(req: JupyterMessage<unknown>, msgType: string, content: unknown): void {
    const msg = {
      identities: [Buffer.from(`kernel.${msgType}`)],
      header: newHeader(msgType, req.header.session),
      parent_header: req.header,
      metadata: {},
      content
    };
    this.send(this.iopub, encodeMessage(msg, this.getSigner()));
  }

  override async handleShellMessage(sock: zmq.Router, ...frames: Buffer[]): Promise<void> {
    let msg: JupyterMessage;
    try {
      msg = decodeMessage(frames, this.getSigner());
    } catch (err) {
      // A message we cannot verify gets no reply (the spec's advice for bad signatures).
      process.stderr.write(
        `neurostorm kernel: dropped a message: ${err instanceof Error ? err.message : String(err)}\n`
      );
      return;
    }
    if (sock === this.control) {
      await this.withStatus(msg, () => this.dispatch(sock, msg, 0));
      return;
    }
    const seq = ++this.received;
    this.shellQueue = this.shellQueue.then(() => this.withStatus(msg, () => this.dispatch(sock, msg, seq)));
    await this.shellQueue;
  }

  private async withStatus(msg: JupyterMessage, work: () => Promise<void>): Promise<void> {
    this.publish(msg, 'status', { execution_state: 'busy' });
    try {
      await work();
    } catch (err) {
      process.stderr.write(
        `neurostorm kernel: ${msg.header.msg_type} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`
      );
    } finally {
      this.publish(msg, 'status', { execution_state: 'idle' });
    }
  }

  private async dispatch(sock: zmq.Router, msg: JupyterMessage, seq: number): Promise<void> {
    switch (msg.header.msg_type) {
      case 'kernel_info_request':
        this.reply(sock, msg, 'kernel_info_reply', kernelInfo());
        break;
      case 'execute_request':
        await this.execute(sock, msg as JupyterMessage<unknown> as JupyterMessage<ExecuteRequest>, seq);
        break;
      case 'is_complete_request':
        this.reply(
          sock,
          msg,
          'is_complete_reply',
          this.kernel.isComplete(msg.content as unknown as IsCompleteRequest)
        );
        break;
      case 'complete_request':
        this.reply(
          sock,
          msg,
          'complete_reply',
          this.kernel.complete(msg.content as unknown as CompleteRequest)
        );
        break;
      case 'inspect_request':
        this.reply(sock, msg, 'inspect_reply', this.kernel.inspect(msg.content as unknown as InspectRequest));
        break;
      case 'history_request':
        // History is not kept (kernel_info does not claim it); an empty list is a valid answer.
        this.reply(sock, msg, 'history_reply', { status: 'ok', history: [] });
        break;
      case 'comm_info_request':
        this.reply(sock, msg, 'comm_info_reply', { status: 'ok', comms: {} });
        break;
      case 'interrupt_request':
        this.kernel.interrupt();
        this.reply(sock, msg, 'interrupt_reply', { status: 'ok' });
        break;
      case 'shutdown_request': {
        const restart = (msg.content as unknown as ShutdownRequest).restart === true;
        this.reply(sock, msg, 'shutdown_reply', { status: 'ok', restart });
        this.kernel.interrupt();
        this.onShutdown();
        break;
      }
      default:
        throw new KernelProtocolError(`unsupported message type "${msg.header.msg_type}"`);
    }
  }

  private async execute(sock: zmq.Router, msg: JupyterMessage<ExecuteRequest>, seq: number): Promise<void> {
    if (seq <= this.abortThrough) {
      // An earlier cell failed with stop_on_error: requests queued behind it are not run.
      this.reply(sock, msg, 'execute_reply', { status: 'aborted', execution_count: null });
      return;
    }
    const output = (m: OutputMessage) => this.publish(msg, m.msgType, m.content);
    let reply: ExecuteReply;
    try {
      reply = await this.kernel.execute(msg.content, output);
    } catch (err) {
      // A failure of the kernel itself (not of the cell): still answer, so no client waits forever.
      const error = {
        ename: 'KernelError',
        evalue: err instanceof Error ? err.message : String(err),
        traceback: [err instanceof Error ? (err.stack ?? err.message) : String(err)]
      };
      output({ msgType: 'error', content: error });
      reply = { status: 'error', execution_count: 0, ...error };
    }
    if (reply.status === 'error' && msg.content.stop_on_error !== false) this.abortThrough = this.received;
    this.reply(sock, msg, 'execute_reply', reply);
  }

  /** Waits for pending sends, then closes the sockets and the executor. */
  async shutdown(): Promise<void> {
    await Promise.all(this.sendQueues.values());
    this.close();
  }
}

export function kernelInfo(): Record<string, unknown> {
  return {
    status: 'ok',
    protocol_version: PROTOCOL_VERSION,
    implementation: 'neurostorm',
    implementation_version: packageVersion(),
    language_info: {
      name: 'typescript',
      version: tslabVersions.typescript,
      mimetype: 'text/typescript',
      file_extension: '.ts',
      // As tslab sets it: enables TypeScript highlighting in JupyterLab and the classic notebook.
      codemirror_mode: { mode: 'typescript', name: 'javascript', typescript: true }
    },
    banner: `NeuroSTORM Lab ${packageVersion()} (tslab ${tslabVersions.tslab}, TypeScript ${tslabVersions.typescript}, Node ${process.versions.node}). %neurostorm help lists the magics.`
  };
}
