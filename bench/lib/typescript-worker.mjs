// Node 20 does not hand tsx's loader to worker threads: a worker starts here, in plain JavaScript,
// and loads its TypeScript entry (workerData.entry) through tsx's API.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.entry, import.meta.url);
