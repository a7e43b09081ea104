import chalk from 'chalk'
import { define } from '../command.js'
import { safe } from '../render.js'
import { reflog } from '../../core/reflog.js'
import { shortCid } from '../../repo/revs.js'

export default define({
  builder: (y) => y
    .positional('ref', { type: 'string', describe: 'HEAD (default) or a branch name' })
    .option('n', { alias: 'max-count', type: 'number', describe: 'show at most N entries', requiresArg: true }),
  run: async (args, { out, repo }) => {
    const r = reflog(await repo(), args.ref ?? 'HEAD')
    const entries = args.n === undefined ? r.entries : r.entries.slice(0, Math.max(0, args.n))
    out.result({ ref: r.ref, entries })
    for (const e of entries) {
      const where = e.commit !== undefined ? chalk.yellow(shortCid(e.commit)) : chalk.red('(deleted)'.padEnd(shortCid(e.old ?? '').length || 9))
      out.data(`${where} ${e.selector}: ${safe(e.message)}`)
    }
  }
})
