/**
 * Every environment variable acache reads, in one list: what it means and
 * its default. Nothing else in src/ reads process.env for an ACACHE_
 * variable (a unit test greps for it), and acache(1)'s ENVIRONMENT section
 * names exactly these (a unit test compares them). The environment is read
 * once, at the first ask; `setKnobs` gives other values without it (tests
 * in one process).
 */
export const KNOBS = {
  ACACHE_HOME: 'where your identity and seq counter live (default ~/.acache); keep it outside working roots',
  ACACHE_EDITOR: 'the editor for a commit message without -m, before VISUAL and EDITOR (vi on a terminal)',
  ACACHE_PAGER: 'the pager of log, show and diff on a terminal, before PAGER (default less with LESS=FRX; empty or cat: none)',
  ACACHE_MAX_TREE_ENTRIES: 'the most entries a tree from a friend may expand to (default 4000000)',
  ACACHE_MAX_GIT_OBJECT_BYTES: 'the largest git object the git bridge reads (default 1073741824)',
  ACACHE_NET_TIMEOUT_MS: 'how long an HTTP remote or a pinning service may stay silent before it is given up on (default 30000)',
  ACACHE_KUBO_TIMEOUT_MS: 'the bound on each request to a Kubo RPC API (default 120000)',
  ACACHE_SERVE_IDLE_MS: 'how long serve keeps a silent client (default 30000)',
  ACACHE_THREADS: '0: no helper threads (status, commit and the hashing of large files on one thread)',
  ACACHE_NATIVE: '0: lstat with Node\'s fs.lstatSync, not the native helper',
  ACACHE_REFLINK: '0: checkouts and commits write every byte, never sharing extents with the store where the file system could (XFS, Btrfs)',
  ACACHE_TRACE: '1: each step of a command with the milliseconds since it started and the memory then, and the peak at exit, on stderr',
  ACACHE_FUSE_MODULE: 'another build of the FUSE binding than fuse-native (for tests)'
} as const

export type KnobName = keyof typeof KNOBS

let values: Partial<Record<KnobName, string>> | undefined

function read (): Partial<Record<KnobName, string>> {
  if (values === undefined) {
    values = {}
    for (const name of Object.keys(KNOBS) as KnobName[]) {
      const v = process.env[name]
      if (v !== undefined) values[name] = v
    }
  }
  return values
}

/** The variable's value as set, or undefined. */
export function knob (name: KnobName): string | undefined {
  return read()[name]
}

/** A positive number the variable sets, else `fallback` (unset, empty, not a number, or not above 0). */
export function knobNumber (name: KnobName, fallback: number): number {
  const v = Number(knob(name))
  return Number.isFinite(v) && v > 0 ? v : fallback
}

/** Other values than the environment's (undefined: read the environment again at the next ask). */
export function setKnobs (over: Partial<Record<KnobName, string>> | undefined): void {
  values = over === undefined ? undefined : { ...over }
}
