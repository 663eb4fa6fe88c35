/**
 * Reads an HTTP body as text, at most `limit` bytes of it: a hostile or broken peer cannot make
 * the engine hold more. Beyond the limit the body is destroyed (the connection is not read to
 * its end) and `complete` is false; `text` is then the first `limit` bytes.
 */
export async function readBounded(
  body: AsyncIterable<Uint8Array> & { destroy?: () => void },
  limit: number,
): Promise<{ text: string; complete: boolean }> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size + chunk.length > limit) {
      chunks.push(chunk.subarray(0, limit - size));
      body.destroy?.();
      return { text: Buffer.concat(chunks).toString('utf8'), complete: false };
    }
    size += chunk.length;
    chunks.push(chunk);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), complete: true };
}
