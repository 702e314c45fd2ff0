import { decodeMessage, encodeMessage, MessageSigner, newHeader } from '../../kernel/verbs/jupyter/wire-codec';
import { KernelProtocolError } from '../../kernel/errors';
import { python } from './python-peer';

describe('Jupyter wire format', () => {
  const signer = new MessageSigner('secret-key');
  const message = {
    identities: [Buffer.from('client-id')],
    header: newHeader('execute_request', 'session-1'),
    parent_header: {},
    metadata: {},
    content: { code: '1 + 1', silent: false }
  };

  it('signs exactly as jupyter_client.session.Session does (HMAC-SHA256 of the four frames)', () => {
    const frames = encodeMessage(message, signer);
    const body = frames.slice(3, 7).map(f => f.toString('utf8'));
    const expected = python<string>(
      `import json, sys; from jupyter_client.session import Session; parts = json.load(sys.stdin); print(json.dumps(Session(key=b"secret-key").sign([p.encode() for p in parts]).decode()))`,
      JSON.stringify(body)
    );
    expect(frames[2].toString()).toBe(expected);
  });

  it('decodes what it encodes, identities and all', () => {
    const decoded = decodeMessage(encodeMessage(message, signer), signer);
    expect(decoded.identities.map(b => b.toString())).toEqual(['client-id']);
    expect(decoded.header).toEqual(message.header);
    expect(decoded.content).toEqual(message.content);
  });

  it('refuses a tampered or wrongly signed message with KernelProtocolError', () => {
    const frames = encodeMessage(message, signer);
    frames[6] = Buffer.from(JSON.stringify({ code: 'process.exit(1)' }));
    expect(() => decodeMessage(frames, signer)).toThrow(/signature does not match/);
    expect(() => decodeMessage(encodeMessage(message, new MessageSigner('other')), signer)).toThrow(
      KernelProtocolError
    );
    expect(() => decodeMessage([Buffer.from('no delimiter')], signer)).toThrow(/delimiter/);
  });

  it('accepts unsigned messages when the key is empty, and refuses unknown schemes', () => {
    const open = new MessageSigner('');
    const frames = encodeMessage(message, open);
    expect(frames[2].toString()).toBe('');
    expect(decodeMessage(frames, open).content).toEqual(message.content);
    expect(() => new MessageSigner('k', 'hmac-md5')).toThrow(/not supported/);
  });
});
