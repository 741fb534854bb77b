import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import {
  AnswerEncryption,
  DEVELOPMENT_KEY_FILE,
  developmentKey,
  isEnvelope,
  openAnswerEncryption,
  UnreadableAnswerError,
  type Envelope,
} from '../../src/ledger/answer-encryption.js';
import { createLogger } from '../../src/logger.js';

const ANSWER = JSON.stringify({
  data: { provisionCustomer: { experiencePlatform: { connectionString: 'Server=aep;Password=s3cr3t-ünïcode' } } },
});
const ROW = JSON.stringify(['contoso.example', 'key-1', 'hash-a']);

/** The envelope with one of its parts (1 key id, 2 IV, 3 tag, 4 ciphertext) changed in its first character. */
function altered(envelope: Envelope, part: number): Envelope {
  const parts = envelope.$encrypted.split(':');
  const bytes = Buffer.from(parts[part]!, 'base64url');
  bytes[0] = bytes[0]! ^ 0x01;
  parts[part] = part === 1 ? 'ffffffff' : bytes.toString('base64url');
  return { $encrypted: parts.join(':') };
}

function unreadable(open: () => unknown): UnreadableAnswerError {
  try {
    open();
  } catch (error) {
    expect(error).toBeInstanceOf(UnreadableAnswerError);
    return error as UnreadableAnswerError;
  }
  throw new Error('the envelope opened');
}

describe('AnswerEncryption', () => {
  const key = randomBytes(32);
  const encryption = new AnswerEncryption([key]);

  it('opens what it sealed, to the byte, and the envelope holds none of it', () => {
    const envelope = encryption.seal(ANSWER, ROW);
    expect(isEnvelope(envelope)).toBe(true);
    expect(envelope.$encrypted).toMatch(/^v1:[0-9a-f]{8}:[\w-]{16}:[\w-]{22}:[\w-]+$/);
    expect(envelope.$encrypted).not.toContain('s3cr3t');
    expect(encryption.open(envelope, ROW)).toBe(ANSWER);
  });

  it('draws a new IV for every answer: the same answer seals differently each time', () => {
    const first = encryption.seal(ANSWER, ROW);
    const second = encryption.seal(ANSWER, ROW);
    expect(first.$encrypted.split(':')[2]).not.toBe(second.$encrypted.split(':')[2]);
    expect(first.$encrypted).not.toBe(second.$encrypted);
  });

  it.each([
    [2, 'IV'],
    [3, 'tag'],
    [4, 'ciphertext'],
  ])('refuses an envelope whose %s was altered (%s)', (part) => {
    const error = unreadable(() => encryption.open(altered(encryption.seal(ANSWER, ROW), part), ROW));
    expect(error.reason).toBe('failed authentication');
    expect(error.keyId).toBe(encryption.keyId);
  });

  it('refuses an answer moved to another row: the row it was sealed to is authenticated', () => {
    const envelope = encryption.seal(ANSWER, ROW);
    const otherRow = JSON.stringify(['fabrikam.example', 'key-1', 'hash-a']);
    expect(unreadable(() => encryption.open(envelope, otherRow)).reason).toBe('failed authentication');
  });

  it('refuses an answer sealed with another key, naming that key only by its id', () => {
    const other = new AnswerEncryption([randomBytes(32)]);
    const error = unreadable(() => other.open(encryption.seal(ANSWER, ROW), ROW));
    expect(error).toMatchObject({ reason: 'sealed with a key this server does not have', keyId: encryption.keyId });
    expect(error.message).not.toContain(key.toString('base64'));
    // An unknown key id is refused as well, before any decryption.
    expect(unreadable(() => encryption.open(altered(encryption.seal(ANSWER, ROW), 1), ROW)).reason).toBe(
      'sealed with a key this server does not have',
    );
  });

  it('opens answers sealed with an earlier key while sealing with the first of its keys', () => {
    const rotated = new AnswerEncryption([randomBytes(32), key]);
    expect(rotated.open(encryption.seal(ANSWER, ROW), ROW)).toBe(ANSWER);
    const sealedNow = rotated.seal(ANSWER, ROW);
    expect(sealedNow.$encrypted.split(':')[1]).toBe(rotated.keyId);
    expect(rotated.keyId).not.toBe(encryption.keyId);
    expect(unreadable(() => encryption.open(sealedNow, ROW)).reason).toBe(
      'sealed with a key this server does not have',
    );
  });

  it.each([
    ['another version', (e: string) => e.replace(/^v1:/, 'v2:')],
    ['a part missing', (e: string) => e.split(':').slice(0, 4).join(':')],
    ['a short IV', (e: string) => e.replace(/^(v1:\w+:)[\w-]{16}/, '$1AAAA')],
  ])('refuses a malformed envelope: %s', (_, change) => {
    const envelope = { $encrypted: change(encryption.seal(ANSWER, ROW).$encrypted) };
    expect(unreadable(() => encryption.open(envelope, ROW)).reason).toBe('malformed envelope');
  });

  it('tells an envelope from a plaintext GraphQL response', () => {
    expect(isEnvelope({ $encrypted: 'v1:…' })).toBe(true);
    expect(isEnvelope({ data: { $encrypted: 'v1:…' } })).toBe(false);
    expect(isEnvelope({ $encrypted: 'v1:…', data: null })).toBe(false);
    expect(isEnvelope({ $encrypted: 1 })).toBe(false);
    expect(isEnvelope(null)).toBe(false);
    expect(isEnvelope([])).toBe(false);
  });

  it('takes only keys of 32 bytes, and shows none when logged', () => {
    expect(() => new AnswerEncryption([])).toThrow();
    expect(() => new AnswerEncryption([randomBytes(16)])).toThrow();
    let logs = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs += chunk.toString();
        done();
      },
    });
    createLogger('info', sink).info({ encryption }, 'the encryption as a careless log call would pass it');
    expect(logs).toContain('the encryption as a careless log call would pass it');
    expect(logs).not.toContain(key.toString('base64'));
    expect(logs).not.toContain(key.toString('hex'));
    expect(JSON.stringify(encryption)).toBe('{}');
    expect(encryption.keyId).not.toBe(key.toString('hex').slice(0, 8));
  });
});

describe('the development key', () => {
  const scratch = () => mkdtempSync(join(tmpdir(), 'answer-key-'));

  it('is made once, readable by its owner only, and the same on every later start', async () => {
    const dataDir = join(scratch(), 'data');
    const first = await developmentKey(dataDir);
    expect(first.file).toBe(join(dataDir, DEVELOPMENT_KEY_FILE));
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    expect(first.key).toHaveLength(32);
    const contents = readFileSync(first.file, 'utf8');

    const again = await developmentKey(dataDir);
    expect(again.key.equals(first.key)).toBe(true);
    expect(readFileSync(first.file, 'utf8')).toBe(contents);
  });

  it('is the same key for processes that start together', async () => {
    const dataDir = scratch();
    const keys = await Promise.all(Array.from({ length: 8 }, () => developmentKey(dataDir)));
    expect(new Set(keys.map(({ key }) => key.toString('hex'))).size).toBe(1);
  });

  it('is refused at start-up when its file holds no key, without quoting it', async () => {
    const dataDir = scratch();
    writeFileSync(join(dataDir, DEVELOPMENT_KEY_FILE), 'not-a-key-at-all\n');
    const opening = openAnswerEncryption({ kind: 'development' }, dataDir);
    await expect(opening).rejects.toThrow(ConfigError);
    await expect(opening).rejects.toThrow(DEVELOPMENT_KEY_FILE);
    await expect(opening).rejects.not.toThrow('not-a-key-at-all');
  });

  it('is not written for an in-memory ledger, and not used at all when keys are configured', async () => {
    expect(await openAnswerEncryption({ kind: 'development' }, 'memory://')).toMatchObject({
      developmentKeyFile: null,
    });
    const configured = await openAnswerEncryption({ kind: 'keys', keys: [randomBytes(32)] }, scratch());
    expect(configured.developmentKeyFile).toBeNull();
  });
});
