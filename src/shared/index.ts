export type * from './model.ts';
export * from './protocol.ts';
