import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createAuthenticator } from '../src/auth.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';

function sign(expiresAt: number): Promise<string> {
  return new SignJWT({ tenant: 'contoso.example', roles: ['csp'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('user-1')
    .setExpirationTime(expiresAt)
    .sign(new TextEncoder().encode(SECRET));
}

describe('the authenticator', () => {
  it('keeps a verified token only until it expires', async () => {
    const authenticator = await createAuthenticator({ kind: 'secret', secret: SECRET });
    // JWT times are whole seconds: the token expires at the next second but one.
    const expiresAt = Math.floor(Date.now() / 1000) + 2;
    const token = await sign(expiresAt);
    const first = await authenticator.authenticate(`Bearer ${token}`);
    expect(first).toMatchObject({ subject: 'user-1', tenant: 'contoso.example', roles: ['csp'] });
    expect(await authenticator.authenticate(`Bearer ${token}`)).toEqual(first);

    await new Promise((resolve) => setTimeout(resolve, expiresAt * 1000 - Date.now() + 50));
    await expect(authenticator.authenticate(`Bearer ${token}`)).rejects.toThrow('The JWT has expired');
  });

  it('refuses a token whose signature was altered after the genuine one was accepted', async () => {
    const authenticator = await createAuthenticator({ kind: 'secret', secret: SECRET });
    const token = await sign(Math.floor(Date.now() / 1000) + 600);
    await authenticator.authenticate(`Bearer ${token}`);
    // A character inside the signature: the last one may carry only padding bits.
    const at = token.length - 10;
    const forged = `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`;
    await expect(authenticator.authenticate(`Bearer ${forged}`)).rejects.toThrow('The JWT is not valid');
  });
});
