import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderJsonSchema } from '../../src/shared/config/json-schema.ts';

describe('published JSON Schema', () => {
  it('is up to date with the zod schema (run "npm run schema" after changing it)', () => {
    const committed = readFileSync(new URL('../../schema/knockon.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(renderJsonSchema());
  });

  it('describes durations as strings and check types by their discriminator', () => {
    const schema = JSON.parse(renderJsonSchema());
    expect(schema.properties.defaults.properties.interval.type).toBe('string');
    expect(JSON.stringify(schema.properties.checks)).toContain('"const":"http"');
  });
});
