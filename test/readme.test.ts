import { readFileSync } from 'node:fs';
import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createSchema } from '../src/schema.js';

/** The README's example operations are what a newcomer pastes into Sandbox first: they must stay valid. */
describe('README examples', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const blocks = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => match[1]!);
  const schema = createSchema();

  it('has examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2);
  });

  it.each(blocks.map((block, index) => [index, block]))('example %i validates against the schema', (_, block) => {
    expect(validate(schema, parse(block as string)).map((error) => error.message)).toEqual([]);
  });
});
