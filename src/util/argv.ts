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
