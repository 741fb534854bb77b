import { badUserInput } from './errors.js';

/**
 * Relay cursor connections over the offset-paged lists of the providers. A cursor is the opaque base64url of
 * `<kind>:<offset>`: a cursor of one list is refused by another.
 */
export interface OffsetCursors {
  encode(offset: number): string;
  /** The offset a cursor points at; null when it is not one of this list's. */
  decode(cursor: string): number | null;
}

export function offsetCursors(kind: string): OffsetCursors {
  const pattern = new RegExp(`^${kind}:(\\d+)$`);
  return {
    encode: (offset) => Buffer.from(`${kind}:${offset}`, 'utf8').toString('base64url'),
    decode(cursor) {
      const match = pattern.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
      return match?.[1] ? Number(match[1]) : null;
    },
  };
}

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface Connection<Node> {
  edges: { cursor: string; node: Node }[];
  nodes: Node[];
  pageInfo: PageInfo;
}

/**
 * The window a connection's `first` and `after` ask for, [offset, offset + size); BAD_USER_INPUT naming the
 * argument for a size out of 1…maxSize or a cursor that is not this list's.
 */
export function requestedWindow(
  first: number | null | undefined,
  after: string | null | undefined,
  { cursors, maxSize, defaultSize = 20 }: { cursors: OffsetCursors; maxSize: number; defaultSize?: number },
): { offset: number; size: number } {
  const size = first ?? defaultSize;
  if (size < 1 || size > maxSize) {
    throw badUserInput(`first must be between 1 and ${maxSize}`, [
      { path: ['first'], messages: [`must be between 1 and ${maxSize}`] },
    ]);
  }
  if (after == null) return { offset: 0, size };
  const afterOffset = cursors.decode(after);
  if (afterOffset === null) {
    throw badUserInput('after is not a cursor of this connection', [{ path: ['after'], messages: ['unknown cursor'] }]);
  }
  return { offset: afterOffset + 1, size };
}

/** The connection of `nodes`, which start at `offset` in the whole list. */
export function connectionOf<Node>(
  nodes: Node[],
  offset: number,
  hasNextPage: boolean,
  cursors: OffsetCursors,
): Connection<Node> {
  const edges = nodes.map((node, i) => ({ cursor: cursors.encode(offset + i), node }));
  return {
    edges,
    nodes,
    pageInfo: {
      hasNextPage,
      hasPreviousPage: offset > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
