import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, parseEncryptionKeys, type AnswerEncryptionConfig } from '../config.js';

/**
 * The stored answers of `Idempotency-Key`s, encrypted at rest: one can hold Adobe's `connectionString`, a credential to
 * a customer's data, for the key's 24 hours. The whole answer is sealed rather than the fields known to be secret: a
 * secret field added later is covered without anyone listing it here, nothing of a customer's lies readable in a
 * database dump, and the JSON text comes back exactly as it was written. No column is ever queried by its content.
 *
 * The envelope, in the `response` jsonb column: `{ "$encrypted": "v1:<keyId>:<iv>:<tag>:<ciphertext>" }`, the last
 * three in base64url. AES-256-GCM with a random 96-bit IV per answer (NIST SP 800-38D's size: a key seals far fewer
 * than 2^32 answers in its life) and the full 128-bit tag. The key id is a hash of the key, so a replacement is
 * rolled out by listing the new key first and the old one after it for a day; then the old one can go.
 */

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ENVELOPE_FIELD = '$encrypted';

export type Envelope = { [ENVELOPE_FIELD]: string };

/** A GraphQL response has only `data`, `errors` and `extensions`: an object of this one field is an envelope. */
export function isEnvelope(value: unknown): value is Envelope {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const fields = Object.keys(value);
  return fields.length === 1 && typeof (value as Record<string, unknown>)[ENVELOPE_FIELD] === 'string';
}

/** Why an envelope could not be opened; never the envelope nor the key. */
export class UnreadableAnswerError extends Error {
  override name = 'UnreadableAnswerError';
  constructor(
    readonly reason: 'malformed envelope' | 'sealed with a key this server does not have' | 'failed authentication',
    /** The id of the key that sealed it, when the envelope could be read that far. */
    readonly keyId: string | null,
  ) {
    super(`the stored answer could not be decrypted: ${reason}`);
  }
}

/** Not the key, nor a plain hash of it: a hash under a label of this use alone. */
function keyIdOf(key: Buffer): string {
  return createHash('sha256')
    .update('provisioning-graph idempotency answer key\0')
    .update(key)
    .digest('hex')
    .slice(0, 8);
}

export class AnswerEncryption {
  /** Private (#), so that logging this object shows no key: pino writes an object's own enumerable fields. */
  readonly #keys: { id: string; key: Buffer }[];

  /** The first key seals; each one opens what it sealed. */
  constructor(keys: readonly Buffer[]) {
    if (keys.length === 0 || keys.some((key) => key.length !== 32)) {
      throw new Error('AnswerEncryption needs one or more keys of 32 bytes');
    }
    this.#keys = keys.map((key) => ({ id: keyIdOf(key), key: Buffer.from(key) }));
  }

  /** The id of the key that seals, for logs: it tells which key is in use without revealing it. */
  get keyId(): string {
    return this.#keys[0]!.id;
  }

  /**
   * `context` is authenticated with the answer but not stored in it: the row the answer belongs to, so that an answer
   * copied into another tenant's, key's or request's row no longer opens there.
   */
  seal(plaintext: string, context: string): Envelope {
    const { id, key } = this.#keys[0]!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES }).setAAD(Buffer.from(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString('base64url'));
    return { [ENVELOPE_FIELD]: [VERSION, id, ...parts].join(':') };
  }

  /** The plaintext `seal` was given; an UnreadableAnswerError when the envelope was altered or the key is not here. */
  open(envelope: Envelope, context: string): string {
    const parts = envelope[ENVELOPE_FIELD].split(':');
    if (parts.length !== 5 || parts[0] !== VERSION) throw new UnreadableAnswerError('malformed envelope', null);
    const [, keyId, iv, tag, ciphertext] = parts as [string, string, string, string, string];
    const decoded = [iv, tag, ciphertext].map((part) => Buffer.from(part, 'base64url'));
    if (decoded[0]!.length !== IV_BYTES || decoded[1]!.length !== TAG_BYTES) {
      throw new UnreadableAnswerError('malformed envelope', keyId);
    }
    // Ids are 32 bits of a hash: two keys could share one, so each key of that id is tried.
    const candidates = this.#keys.filter((entry) => entry.id === keyId);
    if (candidates.length === 0) throw new UnreadableAnswerError('sealed with a key this server does not have', keyId);
    for (const { key } of candidates) {
      const decipher = createDecipheriv('aes-256-gcm', key, decoded[0]!, { authTagLength: TAG_BYTES })
        .setAAD(Buffer.from(context))
        .setAuthTag(decoded[1]!);
      try {
        return Buffer.concat([decipher.update(decoded[2]!), decipher.final()]).toString('utf8');
      } catch {
        // final() throws when the tag does not match: altered, or another key of the same id.
      }
    }
    throw new UnreadableAnswerError('failed authentication', keyId);
  }
}

/** Where a development key is kept: beside the embedded ledger, whose answers it opens. */
export const DEVELOPMENT_KEY_FILE = 'idempotency-encryption.key';

/**
 * The key kept in `dataDir`, made on first use (mode 0600), so that stored answers replay across restarts. Made under
 * a temporary name and linked into place, which fails if another process got there first: replicas started together
 * in development (on one PostgreSQL) agree on the key instead of each writing its own.
 */
export async function developmentKey(dataDir: string): Promise<{ key: Buffer; file: string }> {
  const file = join(dataDir, DEVELOPMENT_KEY_FILE);
  const read = async () => parseEncryptionKeys((await readFile(file, 'utf8')).trim(), file)[0]!;
  try {
    return { key: await read(), file };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const key = randomBytes(32);
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(temporary, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await link(temporary, file);
    return { key, file };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { key: await read(), file };
  } finally {
    await unlink(temporary);
  }
}

/**
 * The encryption the configuration asks for. Outside production without a key, the one in `dataDir`; an in-memory
 * ledger (`memory://`) gets a key that dies with it, as its answers do.
 */
export async function openAnswerEncryption(
  config: AnswerEncryptionConfig,
  dataDir: string,
): Promise<{ encryption: AnswerEncryption; developmentKeyFile: string | null }> {
  if (config.kind === 'keys') return { encryption: new AnswerEncryption(config.keys), developmentKeyFile: null };
  if (dataDir.startsWith('memory://')) {
    return { encryption: new AnswerEncryption([randomBytes(32)]), developmentKeyFile: null };
  }
  try {
    const { key, file } = await developmentKey(dataDir);
    return { encryption: new AnswerEncryption([key]), developmentKeyFile: file };
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(
      `Could not keep a development IDEMPOTENCY_ENCRYPTION_KEY in ${dataDir}: ${(error as Error).message}`,
    );
  }
}
