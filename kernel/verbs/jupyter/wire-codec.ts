/**
 * The wire format of Jupyter messages over ZeroMQ: routing identities, `<IDS|MSG>`, an HMAC-SHA256
 * signature of the four JSON frames, then the frames and any binary buffers
 * (messaging.html, "The Wire Protocol"). Used by the kernel and by `neurostorm run`'s client.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'crypto';
import { KernelProtocolError } from '../../errors';
import { JupyterMessage, MessageHeader, PROTOCOL_VERSION } from './wire';

const DELIMITER = Buffer.from('<IDS|MSG>');

/** Signs and verifies messages of one session (key empty: signing disabled, as the spec allows). */
export class MessageSigner {
  constructor(
    private readonly key: string,
    scheme = 'hmac-sha256'
  ) {
    if (key !== '' && scheme !== 'hmac-sha256') {
      throw new KernelProtocolError(`signature scheme "${scheme}" is not supported`, {
        hint: 'use hmac-sha256 in the connection file'
      });
    }
  }

  sign(frames: readonly (string | Buffer)[]): string {
    if (this.key === '') return '';
    const hmac = createHmac('sha256', this.key);
    for (const f of frames) hmac.update(f);
    return hmac.digest('hex');
  }

  verify(signature: string, frames: readonly Buffer[]): boolean {
    if (this.key === '') return true;
    const want = Buffer.from(this.sign(frames));
    const got = Buffer.from(signature);
    return want.length === got.length && timingSafeEqual(want, got);
  }
}

export function newHeader(msgType: string, session: string, username = 'neurostorm'): MessageHeader {
  return {
    msg_id: randomUUID(),
    session,
    username,
    date: new Date().toISOString(),
    msg_type: msgType,
    version: PROTOCOL_VERSION
  };
}

/** Frames of a message, ready for `socket.send`. */
export function encodeMessage(
  msg: Omit<JupyterMessage<unknown>, 'buffers'> & { buffers?: Buffer[] },
  signer: MessageSigner
): Buffer[] {
  const body = [msg.header, msg.parent_header, msg.metadata, msg.content].map(part =>
    Buffer.from(JSON.stringify(part))
  );
  return [...msg.identities, DELIMITER, Buffer.from(signer.sign(body)), ...body, ...(msg.buffers ?? [])];
}

function parseFrame(frame: Buffer | undefined, what: string): Record<string, unknown> {
  if (!frame) throw new KernelProtocolError(`message has no ${what} frame`);
  let value: unknown;
  try {
    value = JSON.parse(frame.toString('utf8'));
  } catch (err) {
    throw new KernelProtocolError(`message ${what} frame is not JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new KernelProtocolError(`message ${what} frame is not a JSON object`);
  return value as Record<string, unknown>;
}

/** Decodes and verifies received frames; throws KernelProtocolError on a malformed or badly signed message. */
export function decodeMessage(frames: readonly Buffer[], signer: MessageSigner): JupyterMessage {
  const delim = frames.findIndex(f => f.equals(DELIMITER));
  if (delim < 0) throw new KernelProtocolError('message has no <IDS|MSG> delimiter');
  const signature = frames[delim + 1]?.toString('utf8') ?? '';
  const body = frames.slice(delim + 2, delim + 6);
  if (body.length < 4) throw new KernelProtocolError(`message has ${body.length} of 4 JSON frames`);
  if (!signer.verify(signature, body))
    throw new KernelProtocolError('message signature does not match (wrong key?)');
  const header = parseFrame(body[0], 'header');
  if (typeof header.msg_type !== 'string' || typeof header.msg_id !== 'string') {
    throw new KernelProtocolError('message header lacks msg_type or msg_id');
  }
  return {
    identities: frames.slice(0, delim),
    header: header as unknown as MessageHeader,
    parent_header: parseFrame(body[1], 'parent_header') as Partial<MessageHeader>,
    metadata: parseFrame(body[2], 'metadata'),
    content: parseFrame(body[3], 'content'),
    buffers: frames.slice(delim + 6)
  };
}
