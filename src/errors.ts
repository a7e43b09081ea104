/**
 * Every failure acache knows about is an AcacheError with a stable `code`.
 * Only the CLI turns these into text and exit codes; tests assert on `code`.
 */

export const EXIT = {
  ok: 0,
  finding: 1,
  usage: 2,
  missing: 3,
  signature: 4,
  unreachable: 5,
  bug: 70,
} as const

/** code -> exit code. Adding a code here is the only way to make a new error kind. */
const CODES = {
  USAGE: EXIT.usage,
  BAD_INPUT: EXIT.usage,
  BAD_REVISION: EXIT.usage,
  BAD_PATH: EXIT.usage,
  BAD_TREE_ENTRY: EXIT.usage,
  BAD_OBJECT: EXIT.usage,
  BAD_CONFIG: EXIT.usage,
  AUTH_FAILED: EXIT.usage,
  EXISTS: EXIT.usage,
  TOO_LARGE: EXIT.usage,
  NOT_A_REPOSITORY: EXIT.missing,
  UNKNOWN_REVISION: EXIT.missing,
  MISSING_OBJECT: EXIT.missing,
  CORRUPT_OBJECT: EXIT.missing,
  NO_IDENTITY: EXIT.missing,
  NOTHING_TO_COMMIT: EXIT.finding,
  UNCOMMITTED_CHANGES: EXIT.finding,
  HOOK_REFUSED: EXIT.finding,
  CONFLICTS: EXIT.finding,
  VERIFY_FAILED: EXIT.finding,
  MERGE_IN_PROGRESS: EXIT.finding,
  UNMERGED: EXIT.finding,
  BAD_SIGNATURE: EXIT.signature,
  OWNERSHIP: EXIT.signature,
  REPLAY: EXIT.signature,
  UNTRUSTED_KEY: EXIT.signature,
  LOCKED: EXIT.unreachable,
  REF_MOVED: EXIT.unreachable,
  UNREACHABLE: EXIT.unreachable,
  NO_SPACE: EXIT.unreachable,
  FUSE_MISSING: EXIT.unreachable,
  GIT_MISSING: EXIT.unreachable,
  GIT_FAILED: EXIT.unreachable,
  STALE_MOUNT: EXIT.unreachable,
  BUG: EXIT.bug,
} as const

export type ErrorCode = keyof typeof CODES

export class AcacheError extends Error {
  readonly code: ErrorCode
  readonly exitCode: number
  readonly data: Record<string, unknown>
  readonly hint?: string

  constructor (code: ErrorCode, message: string, opts: { data?: Record<string, unknown>, hint?: string, cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = 'AcacheError'
    this.code = code
    this.exitCode = CODES[code]
    this.data = opts.data ?? {}
    this.hint = opts.hint
  }

  toJSON (): Record<string, unknown> {
    return { code: this.code, message: this.message, hint: this.hint, data: this.data }
  }
}

export function fail (code: ErrorCode, message: string, opts?: { data?: Record<string, unknown>, hint?: string, cause?: unknown }): never {
  throw new AcacheError(code, message, opts)
}

/** Turns low-level errors we understand (disk full, permissions) into AcacheErrors. */
export function asAcacheError (err: unknown): AcacheError {
  if (err instanceof AcacheError) return err
  const e = err as NodeJS.ErrnoException
  if (e?.code === 'ENOSPC' || e?.code === 'EDQUOT') {
    return new AcacheError('NO_SPACE', `no space left on device${e.path ? ` writing ${e.path}` : ''}`, { hint: 'free some space and run the command again; nothing was recorded', cause: err })
  }
  if (e?.code === 'EACCES' || e?.code === 'EPERM') {
    return new AcacheError('BAD_PATH', `permission denied: ${e.path ?? e.message}`, { cause: err })
  }
  if (e?.code === 'EROFS') {
    return new AcacheError('BAD_PATH', `read-only file system: ${e.path ?? e.message}`, { cause: err })
  }
  return new AcacheError('BUG', `internal error: ${e?.message ?? String(err)}`, { data: { stack: e?.stack }, cause: err })
}

/** Whether `err` is an acache error (of this code). */
export function isAcacheError (err: unknown, code?: string): err is AcacheError {
  return err instanceof AcacheError && (code === undefined || err.code === code)
}
