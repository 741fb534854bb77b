import { GraphQLCountryCode } from 'graphql-scalars';

/**
 * Reading what a request carries, as strictly as the providers do: JSON objects and their properties, query
 * values, country codes; every problem collected, to be answered at once in the provider's own error shape.
 */

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** ISO 3166-1 alpha-2, as graphql-scalars' CountryCode (and so the product's schema) reads it. */
export function isCountryCode(value: string): boolean {
  try {
    GraphQLCountryCode.parseValue(value);
    return true;
  } catch {
    return false;
  }
}

/** The first value of a query parameter, as ASP.NET and Java services bind a repeated one. */
export function queryValue(value: unknown): string | undefined {
  const first: unknown = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : undefined;
}

/**
 * Every problem of a request, in the order the rules find them: the providers report them all, not just the
 * first. `entryOf` words each in the provider's error shape, from the property's path and the problem.
 */
export class Problems<Entry> {
  readonly entries: Entry[] = [];

  constructor(private readonly entryOf: (path: string, problem: string) => Entry) {}

  add(path: string, problem: string): void {
    this.entries.push(this.entryOf(path, problem));
  }

  get any(): boolean {
    return this.entries.length > 0;
  }
}

/** How a provider words what {@link propertyReaders} find wrong, given the property's path. */
export interface ReadingWords {
  missing: (path: string) => string;
  notAString: (path: string) => string;
  blank: (path: string) => string;
  tooLong: (path: string, maxLength: number, length: number) => string;
  notAnObject: (path: string) => string;
}

export interface StringRule {
  /** Present and not blank. @default false */
  required?: boolean;
  maxLength?: number;
  /** What else is wrong with a present string, or null. */
  check?: (value: string) => string | null;
}

/**
 * Reads the properties of a JSON object, adding what is wrong to `problems` under `path`. JSON null is absent,
 * as the providers bind it; a string is never made from a number or an object.
 */
export function propertyReaders(words: ReadingWords) {
  return {
    /** The string, when it is one; undefined when absent, not a string, or required and blank. */
    string(
      parent: JsonObject,
      name: string,
      path: string,
      problems: Problems<unknown>,
      rule: StringRule = {},
    ): string | undefined {
      const value = parent[name];
      if (value === undefined || value === null) {
        if (rule.required) problems.add(path, words.missing(path));
        return undefined;
      }
      if (typeof value !== 'string') {
        problems.add(path, words.notAString(path));
        return undefined;
      }
      if (rule.required && value.trim() === '') {
        problems.add(path, words.blank(path));
        return undefined;
      }
      if (rule.maxLength !== undefined && value.length > rule.maxLength) {
        problems.add(path, words.tooLong(path, rule.maxLength, value.length));
      }
      const problem = rule.check?.(value);
      if (problem) problems.add(path, problem);
      return value;
    },

    /** The object, when it is one; undefined when absent or not an object. */
    object(
      parent: JsonObject,
      name: string,
      path: string,
      problems: Problems<unknown>,
      required: boolean,
    ): JsonObject | undefined {
      const value = parent[name];
      if (value === undefined || value === null) {
        if (required) problems.add(path, words.missing(path));
        return undefined;
      }
      if (!isJsonObject(value)) {
        problems.add(path, words.notAnObject(path));
        return undefined;
      }
      return value;
    },
  };
}
