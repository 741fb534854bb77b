import { describe, expect, it } from 'vitest';
import {
  FOLLOW_INTERVAL_SECONDS,
  MAX_FOLLOW_INTERVAL_SECONDS,
  followAgainInSeconds,
} from '../../src/provisioning/step-kind.js';

describe('followAgainInSeconds: how often work still under way is asked about', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');
  const startedSecondsAgo = (seconds: number) => new Date(now - seconds * 1000);

  it('asks soon while the work is young', () => {
    expect(followAgainInSeconds(startedSecondsAgo(0), now)).toBe(FOLLOW_INTERVAL_SECONDS);
    expect(followAgainInSeconds(startedSecondsAgo(15), now)).toBe(FOLLOW_INTERVAL_SECONDS);
    expect(followAgainInSeconds(null, now)).toBe(FOLLOW_INTERVAL_SECONDS);
  });

  it('waits a tenth of the time the work has taken so far', () => {
    expect(followAgainInSeconds(startedSecondsAgo(60), now)).toBe(6);
    expect(followAgainInSeconds(startedSecondsAgo(600), now)).toBe(60);
  });

  it('never waits longer than the bound, however long the work takes', () => {
    expect(followAgainInSeconds(startedSecondsAgo(3 * 24 * 3600), now)).toBe(MAX_FOLLOW_INTERVAL_SECONDS);
  });
});
