/**
 * node bench/thread-wake.ts: what one message to another thread costs, by whether that thread
 * is asleep. The centre's floor (docs/BENCHMARKS.md, "The centre's floor on a slower machine")
 * is made of such messages: a sync's answer to the agent, its commit to the store thread and the
 * acknowledgement back, each delta to the main thread and its frame to the board's socket.
 *
 *   idle   the receiving worker waits for messages and does nothing else (as the centre's
 *          threads do between syncs): every message has to wake it
 *   busy   the receiving worker runs (a loop of 20 ms turns): no message has to wake it
 *
 * WAKE_MESSAGES (200) messages of 2,000 characters, one every 20 ms; the sender's CPU is
 * measured around each postMessage (process.threadCpuUsage), the idle receiver's over the run.
 * One JSON line per variant. On a virtual machine, waking a sleeping thread on another virtual
 * CPU is an interrupt between CPUs, which the hypervisor handles: it can cost far more than on
 * bare metal.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const MESSAGES = Number(process.env.WAKE_MESSAGES ?? 200);
const GAP_MS = 20;

type Mode = 'idle' | 'busy';

if (!isMainThread) {
  const port = parentPort!;
  const mode = workerData as Mode;
  let received = 0;
  const start = process.threadCpuUsage();
  port.on('message', () => {
    received++;
    if (received === MESSAGES) {
      const used = process.threadCpuUsage(start);
      port.postMessage((used.user + used.system) / MESSAGES);
      port.close();
    }
  });
  if (mode === 'busy') {
    const spin = () => {
      const until = Date.now() + 20;
      while (Date.now() < until);
      if (received < MESSAGES) setImmediate(spin);
    };
    spin();
  }
} else {
  const text = 'x'.repeat(2_000);
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  for (const mode of ['idle', 'busy'] as const) {
    const worker = new Worker(new URL(import.meta.url), { workerData: mode });
    const receiverUs = new Promise<number>((resolve) => worker.once('message', resolve));
    await sleep(300);
    let senderUs = 0;
    for (let i = 0; i < MESSAGES; i++) {
      await sleep(GAP_MS);
      const before = process.threadCpuUsage();
      worker.postMessage(text);
      const used = process.threadCpuUsage(before);
      senderUs += used.user + used.system;
    }
    const receiver = await receiverUs;
    await worker.terminate();
    console.log(
      JSON.stringify({
        bench: 'thread-wake',
        receiver: mode,
        messages: MESSAGES,
        sender_cpu_us_per_message: Math.round((senderUs / MESSAGES) * 10) / 10,
        // The busy receiver's CPU is its loop: not a figure of the message.
        receiver_cpu_us_per_message: mode === 'idle' ? Math.round(receiver * 10) / 10 : null,
      }),
    );
  }
}
