/**
 * The Prometheus text exposition format (version 0.0.4), parsed strictly: a line it cannot read fails the test rather
 * than being skipped, so that a malformed `/metrics` is caught, not matched around.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: string;
  samples: Sample[];
}

const METRIC_NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE_LINE = new RegExp(`^(${METRIC_NAME})(?:\\{(.*)\\})?\\s+(\\S+)(?:\\s+-?\\d+)?$`);
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;
/** A histogram's or summary's samples carry the family name with one of these suffixes. */
const SUFFIXES = ['_bucket', '_sum', '_count', '_total', '_created'];

function unescape(value: string): string {
  return value.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const start = LABEL.lastIndex;
    const match = LABEL.exec(text);
    if (!match || match.index !== start) throw new Error(`unreadable labels in: ${line}`);
    labels[match[1]!] = unescape(match[2]!);
  }
  return labels;
}

/** As Prometheus reads it (Go's ParseFloat): `NaN` and `Inf` in any case; prom-client writes `Nan`. */
function parseValue(text: string, line: string): number {
  const special = text.toLowerCase();
  if (special === '+inf' || special === 'inf') return Infinity;
  if (special === '-inf') return -Infinity;
  if (special === 'nan') return NaN;
  const value = Number(text);
  if (Number.isNaN(value)) throw new Error(`unreadable value in: ${line}`);
  return value;
}

/** Every family of an exposition, by name; each sample checked to belong to the family declared before it. */
export function parseExposition(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const family = (name: string) => {
    let found = families.get(name);
    if (!found) families.set(name, (found = { name, help: '', type: 'untyped', samples: [] }));
    return found;
  };
  let current: MetricFamily | null = null;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const comment = /^#\s+(HELP|TYPE)\s+(\S+)\s?(.*)$/.exec(line);
    if (comment) {
      current = family(comment[2]!);
      if (comment[1] === 'HELP') current.help = comment[3]!;
      else current.type = comment[3]!;
      continue;
    }
    if (line.startsWith('#')) continue;
    const sample = SAMPLE_LINE.exec(line);
    if (!sample) throw new Error(`unreadable sample line: ${line}`);
    const name = sample[1]!;
    const owner =
      current && (name === current.name || SUFFIXES.some((suffix) => name === current!.name + suffix))
        ? current
        : family(name);
    owner.samples.push({ name, labels: parseLabels(sample[2] ?? '', line), value: parseValue(sample[3]!, line) });
  }
  return families;
}

/** The samples named `name` whose labels include `labels`. */
export function samplesOf(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): Sample[] {
  const samples = [...families.values()].flatMap((f) => f.samples).filter((s) => s.name === name);
  return samples.filter((s) => Object.entries(labels).every(([key, value]) => s.labels[key] === value));
}

/** The one sample named `name` with exactly these labels' values among its own; undefined when there is none. */
export function valueOf(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const matching = samplesOf(families, name, labels);
  if (matching.length > 1) throw new Error(`${matching.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return matching[0]?.value;
}

/** The sum of the samples named `name` whose labels include `labels`: 0 when there is none. */
export function sumOf(families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): number {
  return samplesOf(families, name, labels).reduce((sum, sample) => sum + sample.value, 0);
}

/** GETs a server's `/metrics` and parses it; `graphqlUrl` is the server's `/graphql`. */
export async function scrape(
  graphqlUrl: string,
  headers: Record<string, string> = {},
): Promise<Map<string, MetricFamily>> {
  const response = await fetch(new URL('/metrics', graphqlUrl), { headers });
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  return parseExposition(await response.text());
}
