import { isReseller, type Caller } from '../auth.js';

/*
 * Who may see a provisioning. Within its tenant, a CSP sees every one; a reseller those that concern it: those it
 * asked for, and those for a customer created under it or associated with it (a CSP acting for a reseller). This
 * file is the rule's only statement: the ledger's reads apply it in SQL, and the resolvers show what they return.
 */

/** Narrows a read of a tenant's provisionings to those that concern `resellerId`; null or absent: all of them. */
export interface ResellerScope {
  resellerId?: string | null;
}

export function scopeOf(caller: Caller): ResellerScope {
  // A reseller's token always names it (auth.ts); were it missing, '' would match nothing rather than all.
  return { resellerId: isReseller(caller) ? (caller.resellerId ?? '') : null };
}

/**
 * SQL: the customer `customer` (a jsonb expression, as CloudCockpit spells it) was created under the reseller
 * `placeholder` or is associated with it. A GUID has two spellings (auth.ts, `sameGuid`): compared in lower case.
 */
export function customerConcernsReseller(customer: string, placeholder: string): string {
  return `(lower(${customer}->>'resellerId') = lower(${placeholder}::text)
    OR EXISTS (SELECT 1 FROM jsonb_path_query(${customer}, 'lax $.customerAssociations[*].resellerId') AS associated(id)
               WHERE lower(associated.id #>> '{}') = lower(${placeholder}::text)))`;
}

/** SQL: operation `o` concerns the reseller `placeholder`. */
export function operationConcernsReseller(placeholder: string): string {
  return `(lower(o.caller->>'resellerId') = lower(${placeholder}::text)
    OR ${customerConcernsReseller(`o.request->'customer'`, placeholder)})`;
}
