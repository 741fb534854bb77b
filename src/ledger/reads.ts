import type { ProviderName } from '../errors.js';
import type { Database } from './database.js';
import {
  operationOf,
  stepOf,
  type OperationRecord,
  type OperationRow,
  type OperationStatus,
  type StepRecord,
  type StepRow,
} from './records.js';
import { customerConcernsReseller, operationConcernsReseller, type ResellerScope } from './visibility.js';

/** A page of a list read: `offset` and `limit` as Relay's cursors translate them. */
export interface PageWindow {
  offset: number;
  limit: number;
}

/** SQL conditions on operations `o`, with their parameters numbered in the order they were added. */
class Conditions {
  readonly params: unknown[] = [];
  private readonly conditions: string[] = [];

  and(value: unknown, condition: (placeholder: string) => string): this {
    this.params.push(value);
    this.conditions.push(condition(`$${this.params.length}`));
    return this;
  }

  /** The placeholder of the `n`th parameter after these conditions' own. */
  next(n = 1): string {
    return `$${this.params.length + n}`;
  }

  get sql(): string {
    return this.conditions.join(' AND ');
  }
}

/** The tenant's operations, narrowed to those `scope` lets its reader see (visibility.ts). */
function visible(tenant: string, { resellerId }: ResellerScope): Conditions {
  const where = new Conditions().and(tenant, (p) => `o.tenant = ${p}`);
  return resellerId == null ? where : where.and(resellerId, operationConcernsReseller);
}

/** What tenants may read of the ledger: their operations, steps and provisioned customers. */
export class LedgerReads {
  constructor(private readonly db: Database) {}

  async operation(tenant: string, id: string): Promise<OperationRecord | null> {
    const [row] = await this.db.query<OperationRow>(
      'SELECT * FROM provisioning_operations WHERE tenant = $1 AND id = $2',
      [tenant, id],
    );
    return row ? operationOf(row) : null;
  }

  /** Any tenant's operation: for the worker, which acts for the operation's own caller. */
  async operationById(id: string): Promise<OperationRecord | null> {
    const [row] = await this.db.query<OperationRow>('SELECT * FROM provisioning_operations WHERE id = $1', [id]);
    return row ? operationOf(row) : null;
  }

  async stepsOf(operationIds: readonly string[]): Promise<StepRecord[]> {
    if (operationIds.length === 0) return [];
    const rows = await this.db.query<StepRow>(
      'SELECT * FROM provisioning_steps WHERE operation_id = ANY($1::uuid[]) ORDER BY operation_id, position, step',
      [operationIds],
    );
    return rows.map(stepOf);
  }

  async operations(
    tenant: string,
    { offset, limit, status, resellerId }: PageWindow & ResellerScope & { status?: OperationStatus | null },
  ): Promise<{ items: OperationRecord[]; totalCount: number }> {
    const where = visible(tenant, { resellerId });
    if (status) where.and(status, (p) => `o.status = ${p}`);
    const [count] = await this.db.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM provisioning_operations o WHERE ${where.sql}`,
      where.params,
    );
    const rows = await this.db.query<OperationRow>(
      `SELECT o.* FROM provisioning_operations o WHERE ${where.sql}
       ORDER BY o.created_at DESC, o.id DESC OFFSET ${where.next(1)} LIMIT ${where.next(2)}`,
      [...where.params, offset, limit],
    );
    return { items: rows.map(operationOf), totalCount: count?.count ?? 0 };
  }

  /** Ids the tenant and scope do not see, or that name nothing, are left out. */
  async operationsByIds(tenant: string, ids: readonly string[], scope: ResellerScope = {}): Promise<OperationRecord[]> {
    if (ids.length === 0) return [];
    const where = visible(tenant, scope).and(ids, (p) => `o.id = ANY(${p}::uuid[])`);
    const rows = await this.db.query<OperationRow>(
      `SELECT o.* FROM provisioning_operations o WHERE ${where.sql}`,
      where.params,
    );
    return rows.map(operationOf);
  }

  async operationsOfCustomers(
    tenant: string,
    customerIds: readonly string[],
    scope: ResellerScope = {},
  ): Promise<OperationRecord[]> {
    if (customerIds.length === 0) return [];
    const where = visible(tenant, scope).and(customerIds, (p) => `o.customer_id = ANY(${p}::uuid[])`);
    const rows = await this.db.query<OperationRow>(
      `SELECT o.* FROM provisioning_operations o WHERE ${where.sql} ORDER BY o.created_at DESC, o.id DESC`,
      where.params,
    );
    return rows.map(operationOf);
  }

  /**
   * Whether one step of a provisioning the reader sees recorded all of `upstreamIds` (say Adobe's request and its
   * organization): how a read of a provider whose credentials are the partner's tells a record the reader made.
   */
  async stepRecorded(
    tenant: string,
    scope: ResellerScope,
    provider: ProviderName,
    upstreamIds: Record<string, string>,
  ): Promise<boolean> {
    const where = visible(tenant, scope)
      .and(provider, (p) => `s.provider = ${p}`)
      .and(JSON.stringify(upstreamIds), (p) => `s.upstream_ids @> ${p}::jsonb`);
    const rows = await this.db.query(
      `SELECT 1 FROM provisioning_steps s JOIN provisioning_operations o ON o.id = s.operation_id
       WHERE ${where.sql} LIMIT 1`,
      where.params,
    );
    return rows.length > 0;
  }

  /** What a request left behind when its process died before answering: the idempotency keys look for it. */
  async operationsByCorrelationId(tenant: string, correlationId: string, since: Date): Promise<OperationRecord[]> {
    const rows = await this.db.query<OperationRow>(
      `SELECT * FROM provisioning_operations WHERE tenant = $1 AND correlation_id = $2 AND created_at >= $3
       ORDER BY created_at, id`,
      [tenant, correlationId, since],
    );
    return rows.map(operationOf);
  }

  /**
   * Per customer and step name, the step of its newest operation that succeeded or that the provider is still
   * working on: what each customer has at each provider, in one query for a whole page of customers.
   */
  async currentStepsOfCustomers(
    tenant: string,
    customerIds: readonly string[],
  ): Promise<{ customerId: string; step: StepRecord }[]> {
    if (customerIds.length === 0) return [];
    const rows = await this.db.query<StepRow & { customer_id: string }>(
      `SELECT DISTINCT ON (o.customer_id, s.step) o.customer_id, s.*
       FROM provisioning_steps s JOIN provisioning_operations o ON o.id = s.operation_id
       WHERE o.tenant = $1 AND o.customer_id = ANY($2::uuid[]) AND s.status IN ('SUCCEEDED', 'IN_PROGRESS')
       ORDER BY o.customer_id, s.step, o.created_at DESC, o.id DESC`,
      [tenant, customerIds],
    );
    return rows.map((row) => ({ customerId: row.customer_id, step: stepOf(row) }));
  }

  /**
   * The customer list while CloudCockpit cannot be reached: each as CloudCockpit returned it when its `customer`
   * step last succeeded. `search` looks in the fields CloudCockpit's own search looks at.
   */
  async provisionedCustomers(
    tenant: string,
    { resellerId, search, offset, limit }: PageWindow & { resellerId: string | null; search: string | null },
  ): Promise<{ items: unknown[]; totalCount: number }> {
    const [page] = await this.db.query<{ items: unknown[]; total_count: number }>(
      `WITH provisioned AS (
         SELECT DISTINCT ON (o.customer_id) s.result AS customer, o.created_at, o.id
         FROM provisioning_operations o JOIN provisioning_steps s ON s.operation_id = o.id AND s.step = 'customer'
         WHERE o.tenant = $1 AND s.status = 'SUCCEEDED' AND jsonb_typeof(s.result) = 'object'
         ORDER BY o.customer_id, o.created_at DESC, o.id DESC
       ), matching AS (
         SELECT * FROM provisioned
         WHERE ($2::text IS NULL OR ${customerConcernsReseller('customer', '$2')})
           AND ($3::text IS NULL OR EXISTS (
                SELECT 1 FROM unnest(ARRAY['companyName', 'email', 'taxId', 'internalIdentifier', 'firstName', 'lastName']) AS field
                WHERE strpos(lower(coalesce(customer->>field, '')), lower($3::text)) > 0))
       )
       SELECT (SELECT count(*)::int FROM matching) AS total_count,
              coalesce((SELECT jsonb_agg(customer ORDER BY created_at, id)
                        FROM (SELECT * FROM matching ORDER BY created_at, id OFFSET $4 LIMIT $5) page), '[]'::jsonb) AS items`,
      [tenant, resellerId, search, offset, limit],
    );
    return { items: page?.items ?? [], totalCount: page?.total_count ?? 0 };
  }
}
