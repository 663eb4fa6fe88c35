// snappyjs ships no types; these are the two functions its README documents, and the compressor
// its `compress` uses, which takes the output buffer from its caller (so a sender can keep one).
declare module 'snappyjs' {
  export function compress<T extends Uint8Array | ArrayBuffer>(data: T): T;
  export function uncompress<T extends Uint8Array | ArrayBuffer>(data: T, maxLength?: number): T;
}
declare module 'snappyjs/snappy_compressor.js' {
  export class SnappyCompressor {
    constructor(data: Uint8Array);
    maxCompressedLength(): number;
    /** Writes snappy's block format into `out` (at least maxCompressedLength() long); returns its length. */
    compressToBuffer(out: Uint8Array): number;
  }
}
