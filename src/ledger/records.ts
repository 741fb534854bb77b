import type { Caller } from '../auth.js';
import type { ProviderName } from '../errors.js';

/**
 * A step's life: PENDING from before its call (write-ahead) until the provider answers; then SUCCEEDED, FAILED,
 * or IN_PROGRESS while the provider finishes the work later (Webex, Adobe's `pollRequired`).
 */
export type StepStatus = 'PENDING' | 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED';

/** Derived from the steps whenever one changes. */
export type OperationStatus = 'RUNNING' | 'WAITING' | 'SUCCEEDED' | 'PARTIALLY_FAILED' | 'FAILED';

/** Why a step failed, as `ProviderFailure` shows it. */
export interface StepFailure {
  provider: ProviderName;
  httpStatus: number | null;
  code: string;
  message: string;
  correlationId: string;
  retryAfterSeconds: number | null;
  fieldErrors: { path: string[]; messages: string[] }[];
}

export interface OperationRecord {
  id: string;
  tenant: string;
  caller: Caller;
  kind: string;
  customerId: string | null;
  request: unknown;
  status: OperationStatus;
  correlationId: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface StepRecord {
  operationId: string;
  step: string;
  provider: ProviderName;
  position: number;
  status: StepStatus;
  attempts: number;
  input: unknown;
  upstreamIds: Record<string, string>;
  result: unknown;
  failure: StepFailure | null;
  /** A call may have reached the provider unanswered: the step is looked up before it is ever sent again. */
  outcomeUnknown: boolean;
  correlationId: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  nextCheckAt: Date | null;
  updatedAt: Date;
}

/** A row of `provisioning_operations`, as both drivers return it. */
export interface OperationRow {
  id: string;
  tenant: string;
  caller: Caller;
  kind: string;
  customer_id: string | null;
  request: unknown;
  status: OperationStatus;
  correlation_id: string;
  created_at: Date;
  updated_at: Date;
}

/** A row of `provisioning_steps`, as both drivers return it. */
export interface StepRow {
  operation_id: string;
  step: string;
  provider: ProviderName;
  position: number;
  status: StepStatus;
  attempts: number;
  input: unknown;
  upstream_ids: Record<string, string>;
  result: unknown;
  failure: StepFailure | null;
  outcome_unknown: boolean;
  correlation_id: string | null;
  started_at: Date | null;
  finished_at: Date | null;
  next_check_at: Date | null;
  lease_id: string | null;
  updated_at: Date;
}

export const operationOf = (row: OperationRow): OperationRecord => ({
  id: row.id,
  tenant: row.tenant,
  caller: row.caller,
  kind: row.kind,
  customerId: row.customer_id,
  request: row.request,
  status: row.status,
  correlationId: row.correlation_id,
  createdAt: new Date(row.created_at),
  updatedAt: new Date(row.updated_at),
});

const dateOrNull = (value: Date | null) => (value === null ? null : new Date(value));

export const stepOf = (row: StepRow): StepRecord => ({
  operationId: row.operation_id,
  step: row.step,
  provider: row.provider,
  position: row.position,
  status: row.status,
  attempts: row.attempts,
  input: row.input,
  upstreamIds: row.upstream_ids,
  result: row.result,
  failure: row.failure,
  outcomeUnknown: row.outcome_unknown,
  correlationId: row.correlation_id,
  startedAt: dateOrNull(row.started_at),
  finishedAt: dateOrNull(row.finished_at),
  nextCheckAt: dateOrNull(row.next_check_at),
  updatedAt: new Date(row.updated_at),
});
