import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readBounded } from '../../src/engine/bounded-body.ts';

const body = (...parts: string[]) => Readable.from(parts.map((p) => Buffer.from(p)));

describe('reading a peer’s body with a bound', () => {
  it('reads a body within the limit whole', async () => {
    expect(await readBounded(body('{"ok":', 'true}'), 64)).toEqual({ text: '{"ok":true}', complete: true });
    expect(await readBounded(body('12345'), 5)).toEqual({ text: '12345', complete: true });
  });

  it('stops at the limit, keeps the first bytes, and closes the rest unread', async () => {
    const stream = body('12345', '67890', 'never read');
    const read = await readBounded(stream, 7);
    expect(read).toEqual({ text: '1234567', complete: false });
    expect(stream.destroyed).toBe(true);
  });
});
