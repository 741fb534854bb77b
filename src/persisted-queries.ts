import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { GraphQLError } from 'graphql';
import { ErrorCode } from './errors.js';

/*
 * PERSISTED_QUERIES=enforce: only the operations of a manifest run. The manifest is the client preset's
 * persisted-documents.json, `{ "sha256:<hex>": "<document>" }` (the GraphQL over HTTP spec's document identifiers);
 * the hex is the SHA-256 of the document, what Apollo's persisted queries send as `sha256Hash`.
 */

/** What a request names its document by: its text, or Apollo's `extensions.persistedQuery.sha256Hash`, or both. */
export interface DocumentReference {
  query?: string | null;
  sha256Hash?: string | null;
}

/** Apollo's persisted-query hash of a document: SHA-256 of its text, in lower-case hex. */
export function persistedQueryHash(query: string): string {
  return createHash('sha256').update(query).digest('hex');
}

const DOCUMENT_ID = /^(?:sha256:)?([0-9a-f]{64})$/;

export class PersistedQueryManifest {
  private constructor(private readonly documents: ReadonlyMap<string, string>) {}

  /** Reads a manifest, refusing one whose ids are not the SHA-256 of their documents: a server would run other text. */
  static async load(path: string): Promise<PersistedQueryManifest> {
    const entries: unknown = JSON.parse(await readFile(path, 'utf8'));
    if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) {
      throw new Error(`${path} is not a persisted-document manifest: expected { "sha256:<hex>": "<document>" }`);
    }
    const documents = new Map<string, string>();
    for (const [id, document] of Object.entries(entries)) {
      const hash = DOCUMENT_ID.exec(id)?.[1];
      if (!hash || typeof document !== 'string' || persistedQueryHash(document) !== hash) {
        throw new Error(`${path}: ${id} is not the SHA-256 of its document`);
      }
      documents.set(hash, document);
    }
    return new PersistedQueryManifest(documents);
  }

  get size(): number {
    return this.documents.size;
  }

  /** The document of a hash, bare or `sha256:`-prefixed; undefined when the manifest has none. */
  documentOf(hash: string): string | undefined {
    const bare = DOCUMENT_ID.exec(hash)?.[1];
    return bare === undefined ? undefined : this.documents.get(bare);
  }

  /**
   * The manifest's document a request names, or undefined when it names none: by its hash when it sends one (the
   * text sent with it is not what runs: Apollo Client's GraphQLWsLink sends its own printing of the document), else
   * by its text, which must be a manifest entry's to the byte. For transports Apollo does not serve (graphql-ws).
   */
  documentFor({ query, sha256Hash }: DocumentReference): string | undefined {
    if (sha256Hash) return this.documentOf(sha256Hash);
    return query ? this.documents.get(persistedQueryHash(query)) : undefined;
  }

  /** Whether a request names a manifest document ({@link documentFor}). */
  isAllowedDocument(reference: DocumentReference): boolean {
    return this.documentFor(reference) !== undefined;
  }

  /**
   * Apollo's persisted-query cache over the manifest: a hash sent alone resolves to its document, and nothing a
   * client sends is ever registered. Apollo prefixes its keys (`apq:`): the hash is what follows the last colon.
   */
  apolloCache() {
    return {
      get: async (key: string) => this.documents.get(key.slice(key.lastIndexOf(':') + 1)),
      set: async () => {},
      delete: async () => false,
    };
  }
}

/** An operation whose document is not in the manifest (PERSISTED_QUERIES=enforce): refused before it runs. */
export function persistedQueryNotAllowed(): GraphQLError {
  return new GraphQLError('This server runs only the operations of its persisted-query manifest', {
    extensions: { code: ErrorCode.PERSISTED_QUERY_NOT_ALLOWED, http: { status: 400 } },
  });
}

/** Refuses an operation whose document the manifest lacks; Apollo's `queryHash` is the SHA-256 of the document. */
export function refuseUnlisted(manifest: PersistedQueryManifest, queryHash: string | undefined): void {
  if (queryHash === undefined || manifest.documentOf(queryHash) === undefined) throw persistedQueryNotAllowed();
}
