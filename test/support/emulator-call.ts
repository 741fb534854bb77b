/** Raw HTTP calls to an emulator, for the tests of what it accepts and rejects. */

export interface EmulatorCallOptions {
  /** @default POST with a body, GET without */
  method?: string;
  /** Header values; null or undefined leaves a header out. */
  headers?: Record<string, string | null | undefined>;
  /** Serialised as JSON. */
  body?: unknown;
  /** Sent verbatim instead of `body`. */
  rawBody?: string;
  /** null: no Content-Type header. @default application/json when there is a body */
  contentType?: string | null;
  /** Gives up on the call, e.g. `AbortSignal.timeout(…)`. @default never */
  signal?: AbortSignal;
}

export interface EmulatorReply<T = unknown> {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON; undefined when it is empty or not JSON. */
  json: T;
}

export async function callEmulator<T = unknown>(
  url: string,
  options: EmulatorCallOptions = {},
): Promise<EmulatorReply<T>> {
  const hasBody = options.body !== undefined || options.rawBody !== undefined;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) if (value != null) headers[name] = value;
  const contentType = options.contentType === undefined ? (hasBody ? 'application/json' : null) : options.contentType;
  if (contentType !== null) headers['Content-Type'] = contentType;
  const response = await fetch(url, {
    method: options.method ?? (hasBody ? 'POST' : 'GET'),
    headers,
    body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    signal: options.signal,
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json: json as T };
}
