import { create } from 'zustand';
import type { RpcMethod } from '../../shared/rpc.ts';

/** An action waiting for the engineer's confirmation (acknowledge, silence, failover). */
export interface PendingAction {
  title: string;
  description: string;
  confirmLabel: string;
  method: RpcMethod;
  /** Asks for a note or reason (acknowledge, manual failover). */
  note: { label: string; required: boolean } | null;
  danger: boolean;
  /** `note` is the note or reason the dialog asked for; who acts is the signed-in identity. */
  run: (note: string) => Promise<unknown>;
  done: string;
}

export interface Toast {
  id: string;
  title: string;
  body: string;
  tone: 'info' | 'warning' | 'critical' | 'ok';
  incidentId: string | null;
  /** When it goes by itself (ms since the epoch): set when shown, from its tone. */
  until?: number;
}

/** How long a toast stays: a notice long enough to be read from the wall; "Silenced." briefly. */
export const TOAST_MS = { ok: 5_000, other: 12_000 };

interface UiState {
  pending: PendingAction | null;
  toasts: Toast[];
  confirm: (action: PendingAction) => void;
  closeDialog: () => void;
  toast: (toast: Omit<Toast, 'id'> & { id?: string }) => void;
  dismiss: (id: string) => void;
}

let toastSeq = 0;
const MAX_TOASTS = 4;

/** UI-only state, kept apart from the board so board batches never re-render dialogs. */
export const useUi = create<UiState>()((set) => ({
  pending: null,
  toasts: [],
  confirm: (pending) => set({ pending }),
  closeDialog: () => set({ pending: null }),
  toast: (toast) =>
    set((s) => ({
      toasts: [
        {
          ...toast,
          id: toast.id ?? `t${++toastSeq}`,
          until: Date.now() + (toast.tone === 'ok' ? TOAST_MS.ok : TOAST_MS.other),
        },
        ...s.toasts.filter((t) => t.id !== toast.id),
      ].slice(0, MAX_TOASTS),
    })),
  dismiss: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
}));
