/**
 * Generated HTTP results as the probes make them, the same every run (a seeded generator):
 * each check has its own typical latency and spread; phases add up to the latency; start
 * times sit a few ms after their 10 s grid slot. The mix: about 1 check in 10 is degraded
 * (slow) for stretches, about 1 in 50 is down for stretches (refused or timing out), and any
 * result may be a lone slow outlier.
 */
import type { ProbeResult } from '../src/shared/model.ts';

/** Mulberry32: small, fast, deterministic. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface CheckProfile {
  base: number;
  spread: number;
  /** Probability that a result starts (or continues) a degraded or down stretch. */
  degradedEvery: number;
  downEvery: number;
}

export class HttpResults {
  private readonly random: () => number;
  private readonly profiles: CheckProfile[] = [];
  private readonly state: ('up' | 'degraded' | 'down')[] = [];

  constructor(checks: number, seed = 13) {
    this.random = seeded(seed);
    for (let c = 0; c < checks; c++) {
      this.profiles.push({
        base: 5 + this.random() * 120,
        spread: 0.05 + this.random() * 0.3,
        degradedEvery: c % 10 === 3 ? 0.002 : 0,
        downEvery: c % 50 === 7 ? 0.001 : 0,
      });
      this.state.push('up');
    }
  }

  /** Check c's result for the slot at `slot` (ms). */
  next(c: number, slot: number, checkId = `check-${c}`): ProbeResult {
    const p = this.profiles[c]!;
    const rnd = this.random;
    const s = this.state[c]!;
    // Stretches: enter with a small probability, leave with 5% per result (about 20 results).
    if (s === 'up') {
      if (rnd() < p.downEvery) this.state[c] = 'down';
      else if (rnd() < p.degradedEvery) this.state[c] = 'degraded';
    } else if (rnd() < 0.05) this.state[c] = 'up';
    const startedAt = slot + Math.floor(rnd() * 4);
    if (this.state[c] === 'down') {
      return rnd() < 0.5
        ? {
            checkId,
            startedAt,
            ok: false,
            latencyMs: 1.2 + rnd(),
            errorClass: 'connect_refused',
            message: 'connect ECONNREFUSED 10.0.0.7:443',
          }
        : {
            checkId,
            startedAt,
            ok: false,
            latencyMs: 5_000 + rnd() * 3,
            errorClass: 'read_timeout',
            message: 'no response within 5000 ms',
          };
    }
    const slow = this.state[c] === 'degraded' ? 8 : rnd() < 0.005 ? 4 + rnd() * 6 : 1;
    const dnsMs = 0.2 + rnd() * 0.6;
    const connectMs = p.base * 0.1 * (1 + p.spread * (rnd() - 0.5));
    const tlsMs = p.base * 0.2 * (1 + p.spread * (rnd() - 0.5));
    const ttfbMs = p.base * 0.6 * slow * (1 + p.spread * 2 * rnd());
    const transferMs = 0.1 + rnd() * 2;
    return {
      checkId,
      startedAt,
      ok: true,
      latencyMs: dnsMs + connectMs + tlsMs + ttfbMs + transferMs,
      errorClass: null,
      message: 'HTTP 200',
      httpStatus: 200,
      phases: { dnsMs, connectMs, tlsMs, ttfbMs, transferMs },
    };
  }
}
