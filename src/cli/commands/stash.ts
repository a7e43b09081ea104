import { define } from '../command.js'
import { printConflicts, safe } from '../render.js'
import * as s from '../../core/stash.js'
import { AcacheError } from '../../errors.js'

const which = (s: string | undefined): number => {
  if (s === undefined) return 0
  const m = /^(?:stash@\{)?(\d+)\}?$/.exec(s)
  if (m === null) throw new Error(`not a stash: ${s} (stash@{N} or N)`)
  return parseInt(m[1], 10)
}

export default define({
  builder: (y) => y
    .positional('action', { type: 'string', choices: ['push', 'pop', 'apply', 'list', 'drop'], describe: 'push (default), pop, apply, list or drop' })
    .positional('which', { type: 'string', describe: 'stash@{N} or N (default 0, the newest)' })
    .option('message', { alias: 'm', type: 'string', describe: 'with push: what the stash holds', requiresArg: true }),
  run: async (args, { ctx, out, repo }) => {
    const r = await repo()
    const action = args.action ?? 'push'
    let n: number
    try { n = which(args.which) } catch (err) { throw new AcacheError('USAGE', (err as Error).message) }
    if (action === 'push') {
      const e = await s.stashPush(r, ctx, args.message)
      out.result({ stashed: e })
      out.line(`Saved local changes as stash@{0}: ${safe(e.message)}; the working root is back at HEAD (\`acache stash pop\` brings them back)`)
    } else if (action === 'list') {
      const list = s.listStash(r)
      out.result({ stashes: list })
      for (const e of list) out.data(`stash@{${e.n}}: On ${e.branch ?? '(detached)'}: ${safe(e.message)}`)
    } else if (action === 'drop') {
      const e = s.stashDrop(r, n)
      out.result({ dropped: e })
      out.line(`Dropped stash@{${n}} (${e.commit})`)
    } else {
      const a = await s.stashApply(r, ctx, n, action === 'pop')
      out.result({ ...a })
      printConflicts(out, a.conflicts, 'stashed version beside it')
      if (a.conflicts.length > 0) {
        out.line(`The stash is kept: fix the conflicts, then \`acache stash drop ${n}\`.`)
        out.setExit(1)
      } else {
        out.line(a.dropped ? `Applied and dropped stash@{${n}}` : `Applied stash@{${n}} (still kept)`)
      }
    }
  }
})
