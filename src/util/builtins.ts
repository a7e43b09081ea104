/**
 * Node built-in modules that everyday commands load only when they use
 * them. Importing child_process, worker_threads or readline costs 2-3 ms
 * each at start-up (they pull in streams, sockets, ...), and a commit in a
 * small repository or a status never starts a process or a thread: they
 * are required here on first use instead (Node keeps them loaded after).
 */
import { createRequire } from 'node:module'

const load = createRequire(import.meta.url)

export const childProcess = (): typeof import('node:child_process') => load('node:child_process')

export const workerThreads = (): typeof import('node:worker_threads') => load('node:worker_threads')

