const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Correlation ids, the ledger's ids and CloudCockpit's are UUIDs: anything else names nothing. */
export function isUuid(value: string): boolean {
  return uuid.test(value);
}
