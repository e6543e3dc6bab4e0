// A minimal Language Server Protocol client for tests: spawns a real language server and speaks
// JSON-RPC 2.0 to it over stdio with LSP's `Content-Length` framing, answering the requests a
// server sends to its editor (`workspace/configuration` from the given settings, capability
// registration and progress with null).
//
// Usage:
//   const client = LspClient.spawn(process.execPath, [serverJs, '--stdio'], { cwd: REPO_ROOT });
//   try {
//     await client.initialize({ rootDir: REPO_ROOT, settings: { yaml: { validate: true } } });
//     const uri = client.open('/abs/path/file.yaml', text, 'yaml');
//     const diagnostics = await client.diagnostics(uri);       // the next publishDiagnostics for uri
//     const list = await client.request('textDocument/completion', { textDocument: { uri }, position });
//   } finally {
//     await client.stop();                                     // shutdown + exit, then kill
//   }
// Every wait is bounded (`timeoutMs`, default 20 s) and fails with what the server said last.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { pathToFileURL } from 'node:url';

export type Position = { line: number; character: number };
export type Range = { start: Position; end: Position };
export type Diagnostic = { range: Range; message: string; severity?: number; source?: string; code?: unknown };
export type MarkupContent = { kind: string; value: string };
export type CompletionItem = {
  label: string;
  kind?: number;
  insertText?: string;
  filterText?: string;
  documentation?: string | MarkupContent;
};
export type CompletionList = { isIncomplete: boolean; items: CompletionItem[] };
export type Hover = { contents: MarkupContent | string | (MarkupContent | string)[]; range?: Range };

type Message = {
  jsonrpc: '2.0';
  id?: number | string | null;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
};
type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void; method: string };
type Waiter = { match: (message: Message) => boolean; resolve: (message: Message) => void };

const DEFAULT_TIMEOUT_MS = 20_000;
const HEADER_END = Buffer.from('\r\n\r\n');

export class LspClient {
  readonly #process: ChildProcessWithoutNullStreams;
  readonly #pending = new Map<number, Pending>();
  readonly #waiters = new Set<Waiter>();
  /** Every notification received, oldest first (for waits and failure messages). */
  readonly notifications: Message[] = [];
  /** Every request the server sent to the client, by method. */
  readonly serverRequests: Message[] = [];
  #buffer = Buffer.alloc(0);
  #nextId = 1;
  #settings: Record<string, unknown> = {};
  #stderr = '';
  #exited: Promise<void>;
  #versions = new Map<string, number>();

  private constructor(child: ChildProcessWithoutNullStreams) {
    this.#process = child;
    child.stdout.on('data', (chunk: Buffer) => this.#receive(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString('utf8')).slice(-8000);
    });
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.#exited.then(() => {
      const error = new Error(`the language server exited; stderr:\n${this.#stderr}`);
      for (const pending of this.#pending.values()) pending.reject(error);
      this.#pending.clear();
    });
  }

  /** Starts `command args…` with piped stdio. */
  static spawn(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): LspClient {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: 'pipe' });
    return new LspClient(child);
  }

  /** `initialize` (workspace folder = rootDir) then `initialized`; `settings` answer workspace/configuration. */
  async initialize(options: { rootDir: string; settings: Record<string, unknown> }): Promise<unknown> {
    this.#settings = options.settings;
    const rootUri = pathToFileURL(options.rootDir).href;
    const result = await this.request('initialize', {
      processId: process.pid,
      clientInfo: { name: 'fineract-netpol-tests' },
      locale: 'en',
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: rootUri.split('/').at(-1) }],
      capabilities: {
        workspace: {
          configuration: true,
          workspaceFolders: true,
          didChangeConfiguration: { dynamicRegistration: true },
        },
        textDocument: {
          synchronization: { dynamicRegistration: false, didSave: true },
          publishDiagnostics: { relatedInformation: true },
          completion: {
            completionItem: { snippetSupport: true, documentationFormat: ['markdown', 'plaintext'] },
          },
          hover: { contentFormat: ['markdown', 'plaintext'] },
        },
      },
      initializationOptions: {},
    });
    this.notify('initialized', {});
    // The server pulls its settings right after `initialized` (and answers nothing until then
    // with them): wait until they are answered, so that every document is checked with them.
    await this.#waitFor(
      (m) => m.method === 'workspace/configuration',
      DEFAULT_TIMEOUT_MS,
      'the server to ask for its settings (workspace/configuration)',
      this.serverRequests,
    );
    return result;
  }

  /** Sends a request and resolves with its result (rejects on an error response or timeout). */
  request<T = unknown>(method: string, params: unknown, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${method}: no response within ${timeoutMs} ms; server stderr:\n${this.#stderr}`));
      }, timeoutMs);
      this.#pending.set(id, {
        method,
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.#send({ jsonrpc: '2.0', id, method, params });
    });
  }

  notify(method: string, params: unknown): void {
    this.#send({ jsonrpc: '2.0', method, params });
  }

  /** `textDocument/didOpen` for an absolute path (the file need not exist); returns its URI. */
  open(path: string, text: string, languageId = 'yaml'): string {
    const uri = pathToFileURL(path).href;
    this.#versions.set(uri, 1);
    this.notify('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
    return uri;
  }

  /** `textDocument/didChange` with the full new text. */
  change(uri: string, text: string): void {
    const version = (this.#versions.get(uri) ?? 1) + 1;
    this.#versions.set(uri, version);
    this.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
  }

  close(uri: string): void {
    this.notify('textDocument/didClose', { textDocument: { uri } });
  }

  /**
   * The diagnostics of the next `textDocument/publishDiagnostics` for `uri` received after `since`
   * (an index into `notifications`; by default, from now on).
   */
  async diagnostics(
    uri: string,
    since = this.notifications.length,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<Diagnostic[]> {
    const message = await this.#waitFor(
      (m) => m.method === 'textDocument/publishDiagnostics' && (m.params as { uri: string }).uri === uri,
      timeoutMs,
      `diagnostics for ${uri}`,
      this.notifications.slice(since),
    );
    return (message.params as { diagnostics: Diagnostic[] }).diagnostics;
  }

  /** `shutdown` and `exit`; kills the process if it has not exited within a second. Never throws. */
  async stop(): Promise<void> {
    if (this.#process.exitCode === null && this.#process.signalCode === null) {
      try {
        await this.request('shutdown', null, 3000);
        this.notify('exit', null);
      } catch {
        // An unresponsive server is killed below.
      }
      const timer = setTimeout(() => this.#process.kill('SIGKILL'), 1000);
      await this.#exited;
      clearTimeout(timer);
    }
  }

  /** The server's stderr so far (its log), for failure messages. */
  get stderr(): string {
    return this.#stderr;
  }

  #send(message: Message): void {
    const body = Buffer.from(JSON.stringify(message), 'utf8');
    this.#process.stdin.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]));
  }

  #receive(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const headerEnd = this.#buffer.indexOf(HEADER_END);
      if (headerEnd < 0) return;
      const header = this.#buffer.subarray(0, headerEnd).toString('ascii');
      const length = /Content-Length: *(\d+)/i.exec(header)?.[1];
      if (length === undefined) throw new Error(`LSP message without Content-Length: ${header}`);
      const start = headerEnd + HEADER_END.length;
      const end = start + Number(length);
      if (this.#buffer.length < end) return;
      const message = JSON.parse(this.#buffer.subarray(start, end).toString('utf8')) as Message;
      this.#buffer = this.#buffer.subarray(end);
      this.#dispatch(message);
    }
  }

  #dispatch(message: Message): void {
    if (message.method !== undefined && message.id !== undefined && message.id !== null) {
      this.serverRequests.push(message);
      this.#send({ jsonrpc: '2.0', id: message.id, result: this.#answer(message) });
    } else if (message.method !== undefined) {
      this.notifications.push(message);
    } else if (typeof message.id === 'number') {
      const pending = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.error) pending?.reject(new Error(`${pending.method}: ${message.error.message}`));
      else pending?.resolve(message.result);
    }
    for (const waiter of [...this.#waiters]) {
      if (waiter.match(message)) {
        this.#waiters.delete(waiter);
        waiter.resolve(message);
      }
    }
  }

  /** What an editor answers to the server's requests. */
  #answer(request: Message): unknown {
    if (request.method === 'workspace/configuration') {
      const { items } = request.params as { items: { section?: string }[] };
      return items.map((item) => (item.section ? (this.#settings[item.section] ?? null) : this.#settings));
    }
    // client/registerCapability, window/workDoneProgress/create, workspace/codeLens/refresh…
    return null;
  }

  /** The first message (already received in `seen`, or still to come) that matches. */
  #waitFor(
    match: (message: Message) => boolean,
    timeoutMs: number,
    what: string,
    seen: readonly Message[],
  ): Promise<Message> {
    const found = seen.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        const last = this.notifications
          .slice(-3)
          .map((m) => JSON.stringify(m).slice(0, 300))
          .join('\n');
        reject(new Error(`waited ${timeoutMs} ms for ${what}; last notifications:\n${last}\nstderr:\n${this.#stderr}`));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }
}

/** The text of a hover (markdown or plain), whatever shape the server chose. */
export function hoverText(hover: Hover | null): string {
  if (!hover) return '';
  const parts = Array.isArray(hover.contents) ? hover.contents : [hover.contents];
  return parts.map((p) => (typeof p === 'string' ? p : p.value)).join('\n');
}

/** The 0-based position of the first occurrence of `needle` in `text` (optionally after `from`). */
export function positionOf(text: string, needle: string, from = 0): Position {
  const offset = text.indexOf(needle, from);
  if (offset < 0) throw new Error(`"${needle}" not found in:\n${text}`);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length - 1, character: before.at(-1)!.length };
}
