import { LRUCache } from 'lru-cache';
import type { ProviderName } from '../errors.js';
import type { Database } from './database.js';
import type { StepStatus } from './records.js';

/** A step that recorded a given upstream id, and whose it is. */
export interface UpstreamIdRecord {
  operationId: string;
  tenant: string;
  step: string;
  status: StepStatus;
}

/**
 * Which provisioning made a record found at a provider whose credentials are the partner's, not the tenant's
 * (Webex): such a provider is read only for what the tenant made.
 */
export class UpstreamIdIndex {
  /**
   * Ids known to be the tenant's. Once a step records an id it stays recorded (steps are never deleted), so a hit
   * needs no query: the check every Webex read makes stays off the database. Only positives are kept, since an id
   * unknown now may be recorded by the next provisioning, on any replica.
   */
  private readonly known = new LRUCache<string, true>({ max: 100_000 });

  constructor(private readonly db: Database) {}

  /** Which of these upstream ids (say Webex customer ids, `name` 'id') the tenant's provisionings recorded. */
  async recordedUpstreamIds(
    tenant: string,
    provider: ProviderName,
    name: string,
    values: readonly string[],
  ): Promise<Set<string>> {
    // A tenant is a domain name (auth.ts) and a provider and a name are fixed words: no NUL in them, no ambiguity.
    const keyOf = (value: string) => `${tenant}\0${provider}\0${name}\0${value}`;
    const recorded = new Set(values.filter((value) => this.known.has(keyOf(value))));
    const unknown = values.filter((value) => !recorded.has(value));
    if (unknown.length === 0) return recorded;
    for (const { value } of await this.stepsRecording(provider, name, unknown, tenant)) {
      recorded.add(value);
      this.known.set(keyOf(value), true);
    }
    return recorded;
  }

  /** Every step, of any tenant, that recorded this upstream id. Only recovery uses it, rarely: a scan is acceptable. */
  async stepsRecordingUpstreamId(provider: ProviderName, name: string, value: string): Promise<UpstreamIdRecord[]> {
    const rows = await this.stepsRecording(provider, name, [value], null);
    return rows.map(({ operationId, tenant, step, status }) => ({ operationId, tenant, step, status }));
  }

  private async stepsRecording(
    provider: ProviderName,
    name: string,
    values: readonly string[],
    tenant: string | null,
  ): Promise<(UpstreamIdRecord & { value: string })[]> {
    return this.db.query(
      `SELECT s.operation_id AS "operationId", o.tenant, s.step, s.status, s.upstream_ids->>$2 AS value
       FROM provisioning_steps s JOIN provisioning_operations o ON o.id = s.operation_id
       WHERE s.provider = $1 AND s.upstream_ids->>$2 = ANY($3::text[]) AND ($4::text IS NULL OR o.tenant = $4)`,
      [provider, name, values, tenant],
    );
  }
}
