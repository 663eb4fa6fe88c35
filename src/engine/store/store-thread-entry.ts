/**
 * The store thread's entry when running from the sources (tests, benchmarks): it loads only the
 * store. The engine worker passes its own file instead (src/engine/worker.ts starts the store
 * when asked to), so a bundle needs no second entry.
 */
import { workerData } from 'node:worker_threads';
import { runStoreThread, storeThreadData } from './store-thread.ts';

const data = storeThreadData(workerData);
if (!data) throw new Error('store-thread-entry.ts runs as the history store thread only (see StoreClient)');
runStoreThread(data);
