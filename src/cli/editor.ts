import fs from 'node:fs'
import { childProcess } from '../util/builtins.js'
import type { Repo } from '../repo/repo.js'
import { fail } from '../errors.js'
import { knob } from '../util/knobs.js'

/**
 * The message from an editor, as git asks for it: $ACACHE_EDITOR, $VISUAL,
 * $EDITOR (else vi) on .acache/COMMIT_EDITMSG, lines starting with # left
 * out; only on a terminal (a script must say -m).
 */
export function editMessage (repo: Repo, initial: string): string {
  const editor = knob('ACACHE_EDITOR') ?? process.env.VISUAL ?? process.env.EDITOR ?? (process.stdin.isTTY === true ? 'vi' : undefined)
  if (editor === undefined || (process.stdin.isTTY !== true && knob('ACACHE_EDITOR') === undefined)) {
    fail('USAGE', 'a commit needs a message', { hint: 'acache commit -m "what changed" (an editor opens only on a terminal)' })
  }
  const file = repo.layout.commitMessage
  fs.writeFileSync(file, `${initial}${initial === '' || initial.endsWith('\n') ? '' : '\n'}\n# Write the message for your changes. Lines starting with # are left out;\n# an empty message aborts the commit.\n`)
  const r = childProcess().spawnSync('sh', ['-c', `${editor} "$1"`, 'editor', file], { stdio: 'inherit' })
  if (r.status !== 0) fail('USAGE', `the editor (${editor}) exited ${String(r.status)}; nothing was committed`)
  const text = fs.readFileSync(file, 'utf8').split('\n').filter(l => !l.startsWith('#')).join('\n').trim()
  if (text === '') fail('USAGE', 'aborting commit: the message is empty')
  return text + '\n'
}
