import { z } from 'zod';
import { configSchema } from './schema.ts';

/** The published JSON Schema of the config file (what users write, before defaults). */
export function renderJsonSchema(): string {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });
  return (
    JSON.stringify(
      { ...schema, $id: 'https://knockon.invalid/schema/knockon.schema.json', title: 'Knockon configuration' },
      null,
      2,
    ) + '\n'
  );
}
