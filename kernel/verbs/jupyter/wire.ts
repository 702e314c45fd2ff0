/**
 * Jupyter messaging protocol v5.3 shapes, with the wire's snake_case field names
 * (https://jupyter-client.readthedocs.io/en/latest/messaging.html). Shared by the kernel
 * (server side) and `neurostorm run` (client side), so both speak the same typed messages.
 */

export const PROTOCOL_VERSION = '5.3';

export interface MessageHeader {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
}

/** A decoded message: the four JSON frames plus the routing identities before `<IDS|MSG>`. */
export interface JupyterMessage<C = Record<string, unknown>> {
  identities: Buffer[];
  header: MessageHeader;
  parent_header: Partial<MessageHeader>;
  metadata: Record<string, unknown>;
  content: C;
  buffers: Buffer[];
}

/** MIME type -> representation (JSON payloads as objects, text as strings, images as base64). */
export type MimeData = Record<string, unknown>;

export interface MimeBundle {
  data: MimeData;
  metadata: Record<string, unknown>;
}

export interface ConnectionInfo {
  transport: string;
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: string;
  kernel_name?: string;
}

export interface ExecuteRequest {
  code: string;
  silent: boolean;
  store_history: boolean;
  user_expressions: Record<string, string>;
  allow_stdin?: boolean;
  stop_on_error?: boolean;
}

/** The error triple shared by `error` messages and error replies. */
export interface ErrorContent {
  ename: string;
  evalue: string;
  traceback: string[];
}

export type ExecuteReply =
  | { status: 'ok'; execution_count: number; user_expressions: Record<string, unknown>; payload: unknown[] }
  | ({ status: 'error'; execution_count: number } & ErrorContent)
  | { status: 'aborted'; execution_count: number | null };

export interface DisplayContent extends MimeBundle {
  transient: { display_id?: string };
}

export interface ExecuteResultContent extends MimeBundle {
  execution_count: number;
}

export interface StreamContent {
  name: 'stdout' | 'stderr';
  text: string;
}

export interface CompleteRequest {
  code: string;
  cursor_pos: number;
}

export interface InspectRequest {
  code: string;
  cursor_pos: number;
  detail_level: 0 | 1;
}

export interface IsCompleteRequest {
  code: string;
}

export interface ShutdownRequest {
  restart: boolean;
}
