/** Callers for tests, one per role, as an entry point would have authenticated them. */
import type { Actor } from '../../src/shared/actor.ts';

export const ADMIN: Actor = { id: 'user:ada', name: 'Ada', via: 'http', role: 'admin' };
export const OPERATOR: Actor = { id: 'user:olu', name: 'Olu', via: 'http', role: 'operator' };
export const VIEWER: Actor = { id: 'user:vic', name: 'Vic', via: 'http', role: 'viewer' };
export const WEBHOOK: Actor = { id: 'alertmanager', name: 'Alertmanager', via: 'http', role: 'webhook' };
export const AGENT: Actor = { id: 'agent', name: 'probe agent', via: 'agent', role: 'agent' };
