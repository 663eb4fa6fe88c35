// snappyjs ships no types; these are the two functions its README documents.
declare module 'snappyjs' {
  export function compress<T extends Uint8Array | ArrayBuffer>(data: T): T;
  export function uncompress<T extends Uint8Array | ArrayBuffer>(data: T, maxLength?: number): T;
}
