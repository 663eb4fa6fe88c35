/** Writes schema/knockon.schema.json from the zod config schema (the single source of truth). */
import { writeFileSync } from 'node:fs';
import { renderJsonSchema } from '../src/shared/config/json-schema.ts';

const out = new URL('../schema/knockon.schema.json', import.meta.url);
writeFileSync(out, renderJsonSchema());
console.log(`wrote ${out.pathname}`);
