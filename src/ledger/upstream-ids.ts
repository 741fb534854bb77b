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
 * The ledger as an index of upstream ids: which provisioning made a record found at a provider whose credentials
 * are the partner's, not the tenant's (Webex), and so whose it is.
 */
export class UpstreamIdIndex {
  constructor(private readonly db: Database) {}

  /**
   * Which of these upstream ids (say Webex customer ids, `name` 'id') the tenant's provisionings recorded: a
   * provider whose credentials are the partner's, not the tenant's, is read only for what the tenant made.
   */
  async recordedUpstreamIds(
    tenant: string,
    provider: ProviderName,
    name: string,
    values: readonly string[],
  ): Promise<Set<string>> {
    if (values.length === 0) return new Set();
    return new Set((await this.stepsRecording(provider, name, values, tenant)).map((row) => row.value));
  }

  /**
   * Every step, of any tenant, that recorded this upstream id (say Webex's `id`): whether a record found at a
   * provider whose credentials are the partner's belongs to one of our provisionings, and to which. Read-only;
   * used when recovering a lost answer, which is rare, so a scan of the provider's steps is acceptable.
   */
  async stepsRecordingUpstreamId(provider: ProviderName, name: string, value: string): Promise<UpstreamIdRecord[]> {
    const rows = await this.stepsRecording(provider, name, [value], null);
    return rows.map(({ operationId, tenant, step, status }) => ({ operationId, tenant, step, status }));
  }

  /** The steps of `provider` that recorded one of `values` as their upstream id `name`; of `tenant` only, unless null. */
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
