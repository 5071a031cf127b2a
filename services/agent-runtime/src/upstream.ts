import type { Dispatcher } from "undici";

/** The agent going away, as the daemon tells it: one listener, set and cleared (cheaper per call than an AbortSignal). */
export interface GoneSignal {
  readonly aborted: boolean;
  onAbort(listener: (() => void) | undefined): void;
}

/** Fires when the agent goes away: the SDK's fetch gives an AbortSignal, the daemon a GoneSignal. */
export type CallSignal = AbortSignal | GoneSignal;

export interface UpstreamRequest {
  origin: string;
  /** The path with any query. */
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  signal?: CallSignal;
}

/** The head of an upstream's answer. Its body is read once, either whole or chunk by chunk. */
export interface UpstreamAnswer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  /** The whole body; rejects when the upstream breaks off or the agent goes away. */
  whole(): Promise<Buffer>;
  /** The body as it arrives (the upstream is paused while the reader lags); ending the iteration early aborts the rest. */
  chunks(): AsyncIterableIterator<Buffer>;
}

/**
 * An upstream call that failed before its answer's head. `sent`: the request had started going out on a connection, so
 * the provider may have it (and bill it); otherwise no connection was made and nothing left.
 */
export class UpstreamFailure extends Error {
  constructor(readonly reason: Error, readonly sent: boolean) {
    super(reason.message);
  }
}

export class AgentGoneError extends Error {
  constructor() {
    super("the agent went away");
  }
}

/** Bytes of a streamed answer held for a slow reader before the upstream is paused. */
const STREAM_HIGH_WATER = 64 * 1024;

/**
 * Sends one request upstream and resolves with the answer's head. It uses undici's dispatch API directly: `request()`
 * wraps every call in an async resource, an abort listener and a Readable body, which cost more per call than the
 * forwarding itself when all that is wanted is the body's bytes.
 */
export function requestUpstream(dispatcher: Dispatcher, req: UpstreamRequest): Promise<UpstreamAnswer> {
  return new Promise((resolve, reject) => {
    const call = new UpstreamCall(resolve, reject, req.signal);
    if (req.signal?.aborted) return call.fail(new AgentGoneError());
    dispatcher.dispatch({ origin: req.origin, path: req.path, method: "POST", headers: req.headers, body: req.body }, call);
  });
}

class UpstreamCall implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  /** The request started going out on a connection (undici calls onRequestStart just before writing it). */
  private sent = false;
  private head: { resolve: (answer: UpstreamAnswer) => void; reject: (err: Error) => void } | undefined;
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private streaming = false;
  private ended = false;
  private error: Error | undefined;
  /** The reader waiting for more of the body. */
  private wake: (() => void) | undefined;
  private unlisten: (() => void) | undefined;

  constructor(resolve: (answer: UpstreamAnswer) => void, reject: (err: Error) => void, signal: CallSignal | undefined) {
    this.head = { resolve, reject };
    if (signal) this.unlisten = onAbort(signal, () => this.abort(new AgentGoneError()));
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.error) controller.abort(this.error);
    else this.sent = true;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    if (statusCode < 200) return; // 1xx: the answer follows
    const head = this.head;
    this.head = undefined;
    head?.resolve({ statusCode, headers, whole: () => this.whole(), chunks: () => this.chunks() });
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.queue.push(chunk);
    this.queued += chunk.length;
    if (this.streaming && this.queued >= STREAM_HIGH_WATER) controller.pause();
    this.notify();
  }

  onResponseEnd(): void {
    this.ended = true;
    this.done();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.fail(error);
  }

  fail(error: Error): void {
    this.error ??= error;
    const head = this.head;
    this.head = undefined;
    head?.reject(new UpstreamFailure(this.error, this.sent));
    this.done();
  }

  private abort(error: Error): void {
    if (this.ended || this.error) return;
    if (this.controller) this.controller.abort(error);
    else this.fail(error); // still queued for a connection: onRequestStart aborts it
  }

  private done(): void {
    this.unlisten?.();
    this.unlisten = undefined;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private next(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  private async whole(): Promise<Buffer> {
    while (!this.ended && !this.error) await this.next();
    if (this.error) throw this.error;
    return this.queue.length === 1 ? this.queue[0]! : Buffer.concat(this.queue, this.queued);
  }

  private async *chunks(): AsyncIterableIterator<Buffer> {
    this.streaming = true;
    try {
      for (;;) {
        const chunk = this.queue.shift();
        if (chunk) {
          this.queued -= chunk.length;
          if (this.controller?.paused && this.queued < STREAM_HIGH_WATER) this.controller.resume();
          yield chunk;
        } else if (this.error) {
          throw this.error;
        } else if (this.ended) {
          return;
        } else {
          await this.next();
        }
      }
    } finally {
      this.abort(new Error("the reader stopped before the answer's end"));
    }
  }
}

function onAbort(signal: CallSignal, listener: () => void): () => void {
  if ("addEventListener" in signal) {
    signal.addEventListener("abort", listener, { once: true });
    return () => signal.removeEventListener("abort", listener);
  }
  signal.onAbort(listener);
  return () => signal.onAbort(undefined);
}
