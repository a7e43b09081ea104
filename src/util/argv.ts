import path from 'node:path'

/**
 * The command a command line names (its first word that is not an option)
 * and the directory it runs in (`-C DIR`, else `cwd`): read before yargs
 * parses the line, by the lstat preload and by the unknown-command message.
 */
export function commandOf (argv: string[], cwd = process.cwd()): { command?: string, dir: string } {
  let dir = cwd
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '-C') { dir = path.resolve(dir, argv[++i] ?? ''); continue }
    if (a.startsWith('-')) continue
    return { command: a, dir }
  }
  return { dir }
}

/**
 * Commands run all day, each with a V8 code cache of its own
 * (bin/acache.js; made by scripts/warm-cache.cjs): it holds only what that
 * command compiles, and a smaller cache is sooner to load (a commit's, 770
 * KB against 1 MB for an everyday session: about 3 ms of each commit here).
 */
export const OWN_CODE_CACHE: readonly string[] = ['status', 'commit', 'diff', 'log', 'show']

/** Which code cache a command line starts with: its command's own, or undefined for the one of everyday use. */
export function codeCacheOf (argv: string[]): string | undefined {
  const { command } = commandOf(argv, '')
  return command !== undefined && OWN_CODE_CACHE.includes(command) ? command : undefined
}
