import { describe, it, expect } from 'vitest';
import { parseValue, type GraphQLScalarType } from 'graphql';
import { createSchema } from '../../src/schema.js';

// The scalar as the schema wires it, description included.
const Quantity = createSchema().getType('ExperiencePlatformQuantity') as GraphQLScalarType;

function problemOf(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the value to be refused');
}

describe('ExperiencePlatformQuantity', () => {
  it("shows Sandbox the SDL's description of the format", () => {
    expect(Quantity.description).toMatch(/^A whole number of zero or more, in the units of an Adobe/);
  });

  it('takes numbers up to 2^53 − 1 and strings of up to 20 decimal digits, as decimal strings', () => {
    expect(Quantity.parseValue(0)).toBe('0');
    expect(Quantity.parseValue(1_000_000)).toBe('1000000');
    expect(Quantity.parseValue(Number.MAX_SAFE_INTEGER)).toBe('9007199254740991');
    // JSON's 1e3 is the number 1000: only the string spelling is an exponent.
    expect(Quantity.parseValue(JSON.parse('1e3'))).toBe('1000');
    expect(Quantity.parseValue('1000000')).toBe('1000000');
    expect(Quantity.parseValue('9007199254740993')).toBe('9007199254740993');
    expect(Quantity.parseValue('18446744073709551615')).toBe('18446744073709551615');
    // Digits pass verbatim, as Adobe's document shows strings: no number in between to drop a leading zero.
    expect(Quantity.parseValue('0100')).toBe('0100');
  });

  it('refuses a negative, fractional or inexact number, and any other string', () => {
    for (const value of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(problemOf(() => Quantity.parseValue(value))).toMatch(/^Must be a whole number of 0 or more/);
    }
    expect(problemOf(() => Quantity.parseValue(2 ** 53))).toBe(
      'Must be at most 9007199254740991 as a number; send a larger one as a string of digits',
    );
    for (const value of ['', ' 8', '8 ', '-1', '+1', '1.5', '1e3', '0x10', 'abc', '１２', '1_000']) {
      expect(problemOf(() => Quantity.parseValue(value))).toMatch(/^Must be decimal digits only/);
    }
    expect(problemOf(() => Quantity.parseValue('1'.repeat(21)))).toBe('Must be at most 20 digits');
    for (const value of [true, null, {}, ['1'], 10n]) {
      expect(problemOf(() => Quantity.parseValue(value))).toMatch(/^Must be a whole number or a string of decimal/);
    }
  });

  it('reads literals as it reads variables: Int and String literals, by the same rules', () => {
    expect(Quantity.parseLiteral(parseValue('9007199254740991'))).toBe('9007199254740991');
    expect(Quantity.parseLiteral(parseValue('"9007199254740993"'))).toBe('9007199254740993');
    expect(problemOf(() => Quantity.parseLiteral(parseValue('9007199254740993')))).toMatch(/as a string of digits$/);
    expect(problemOf(() => Quantity.parseLiteral(parseValue('-5')))).toMatch(/^Must be a whole number of 0/);
    for (const literal of ['1.5', '1e3', 'true', 'LARGE', '[1]', '{ value: 1 }']) {
      expect(problemOf(() => Quantity.parseLiteral(parseValue(literal)))).toMatch(/^Must be a whole number or/);
    }
    expect(problemOf(() => Quantity.parseLiteral(parseValue('"1e3"')))).toMatch(/^Must be decimal digits only/);
  });

  it('answers decimal strings as they are, never as numbers, and refuses anything else', () => {
    expect(Quantity.serialize('9007199254740993')).toBe('9007199254740993');
    expect(Quantity.serialize('1000000')).toBe('1000000');
    for (const value of [1000000, '1.5', '', 'abc', null]) {
      expect(problemOf(() => Quantity.serialize(value))).toMatch(/^ExperiencePlatformQuantity cannot represent/);
    }
  });
});
