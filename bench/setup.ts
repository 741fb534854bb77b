/** What every process of one bench run agrees on: the credentials the emulators accept and the JWT secret. */

/** The emulators check these verbatim, as the real providers check theirs; the product and the baselines send them. */
export const BENCH_CREDENTIALS = {
  cloudCockpit: { token: 'bench-cloudcockpit-token' },
  experiencePlatform: { token: 'bench-aep-token', imsAuthorization: 'bench-ims-authorization' },
  net3: { apiKey: 'bench-net3-api-key' },
  webex: { token: 'bench-webex-token' },
};

/** HS256 secret the project verifies callers' tokens with (`JWT_SECRET`). */
export const BENCH_JWT_SECRET = 'bench-secret-that-is-long-enough-for-hs256-tokens';

/** `IDEMPOTENCY_ENCRYPTION_KEY`, which production requires: it seals the stored `Idempotency-Key` answers. */
export const BENCH_IDEMPOTENCY_ENCRYPTION_KEY = Buffer.alloc(32, 'bench').toString('base64');

/** Where the four emulators listen, as the upstreams process reports them. */
export interface UpstreamUrls {
  cloudCockpit: string;
  experiencePlatform: string;
  net3: string;
  webex: string;
}

export type ProviderName = keyof UpstreamUrls;

export const PROVIDERS: ProviderName[] = ['cloudCockpit', 'experiencePlatform', 'net3', 'webex'];

/** The project's environment for these emulators: every URL set, as in production, so no emulator is embedded. */
export function upstreamEnvironment(urls: UpstreamUrls): Record<string, string> {
  return {
    CLOUDCOCKPIT_URL: urls.cloudCockpit,
    CLOUDCOCKPIT_TOKEN: BENCH_CREDENTIALS.cloudCockpit.token,
    ADOBE_AEP_URL: urls.experiencePlatform,
    ADOBE_AEP_TOKEN: BENCH_CREDENTIALS.experiencePlatform.token,
    ADOBE_IMS_AUTHORIZATION: BENCH_CREDENTIALS.experiencePlatform.imsAuthorization,
    NET3_URL: urls.net3,
    NET3_API_KEY: BENCH_CREDENTIALS.net3.apiKey,
    WEBEX_URL: urls.webex,
    WEBEX_TOKEN: BENCH_CREDENTIALS.webex.token,
  };
}
