import type { Clock } from './clock.ts';

/**
 * One pending wake-up at an absolute time on the injected clock. Setting the same time again is
 * free; a new time replaces the old one; null or cancel() disarms it.
 */
export class Alarm {
  private readonly clock: Clock;
  private readonly fire: () => void;
  private timer: unknown = null;
  private at: number | null = null;

  constructor(clock: Clock, fire: () => void) {
    this.clock = clock;
    this.fire = fire;
  }

  /** When it will fire next, or null when disarmed. */
  get due(): number | null {
    return this.at;
  }

  set(at: number | null): void {
    if (at === this.at) return;
    this.cancel();
    if (at === null) return;
    this.at = at;
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = null;
        this.at = null;
        this.fire();
      },
      Math.max(0, at - this.clock.now()),
    );
  }

  cancel(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.at = null;
  }
}
