import type { ChildProcess } from 'node:child_process';

/**
 * Questions and answers over a forked child's IPC channel: the orchestrator asks a bench process (the upstreams,
 * the instrumented server) for its counts, or to change its latency, while load runs against it over HTTP.
 */

interface Question {
  question: number;
  method: string;
  params: unknown;
}

interface Answer {
  answer: number;
  result?: unknown;
  error?: string;
}

/** What the child tells once it serves: its URLs and anything else the orchestrator needs. */
export interface ReadyMessage<T> {
  ready: T;
}

export type Handlers = Record<string, (params: never) => unknown>;

/** In the child: answers the parent's questions with `handlers`, then says it is ready with `ready`. */
export function answerQuestions(handlers: Handlers, ready: unknown): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('this module runs as a child of bench/main.ts (child_process.fork), with an IPC channel');
  process.on('message', (message: Question) => {
    if (typeof message?.question !== 'number') return;
    const handler = handlers[message.method];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`no such question: ${message.method}`);
        return handler(message.params as never);
      })
      .then(
        (result) => send({ answer: message.question, result } satisfies Answer),
        (error: unknown) => send({ answer: message.question, error: String(error) } satisfies Answer),
      );
  });
  // The parent stops its children with a signal; IPC alone would keep this one alive after the parent died.
  process.on('disconnect', () => process.exit(0));
  // Exiting on SIGTERM rather than being killed by it lets `--cpu-prof` write the profile.
  process.once('SIGTERM', () => process.exit(0));
  send({ ready } satisfies ReadyMessage<unknown>);
}

/** In the parent: asks the child `method` and waits for its answer. */
export type Ask = <T>(method: string, params?: unknown) => Promise<T>;

export function questionsTo(child: ChildProcess): Ask {
  let next = 0;
  const waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  child.on('message', (message: Answer) => {
    if (typeof message?.answer !== 'number') return;
    const pending = waiting.get(message.answer);
    waiting.delete(message.answer);
    if (message.error !== undefined) pending?.reject(new Error(message.error));
    else pending?.resolve(message.result);
  });
  child.on('exit', () => {
    for (const pending of waiting.values()) pending.reject(new Error('the child process exited'));
    waiting.clear();
  });
  return <T>(method: string, params?: unknown) =>
    new Promise<T>((resolve, reject) => {
      const question = ++next;
      waiting.set(question, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ question, method, params } satisfies Question);
    });
}
