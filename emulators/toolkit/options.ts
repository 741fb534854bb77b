/** Checks of the options an emulator is created with: a bad one is a mistake in a test, refused at once. */

/** A delay or a number of seconds. */
export function nonNegativeNumber(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got ${value}`);
  return value;
}

/** A size or a count. */
export function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${value}`);
  return value;
}
