import chalk from 'chalk'
import { define } from '../command.js'
import { show } from '../../core/show.js'
import { diffsJson, printDiffs, printStat, safe } from '../render.js'
import { formatCommit } from '../pretty.js'

export default define({
  builder: (y) => y
    .positional('spec', { type: 'string', describe: 'REV or REV:PATH (default HEAD)' })
    .option('stat', { type: 'boolean', describe: 'with a commit: a summary instead of the patch' }),
  run: async (args, { out, repo }) => {
    const r = await show(await repo(), args.spec ?? 'HEAD')
    if (r.type === 'commit') {
      out.result({ type: r.type, commit: r.commit, files: diffsJson(r.diff) })
      out.usePager()
      const e = r.commit
      out.data(chalk.yellow(`commit ${e.commit}`) + ` (signature: ${e.signature === 'good' ? chalk.green('good') : chalk.red('BAD')})`)
      out.data(`Tree:   ${e.tree}`)
      if (e.parents.length > 1) out.data(`Merge:  ${e.parents.join(' ')}`)
      out.data(formatCommit({ template: 'Author: %an <%ae>%nDate:   %ad%I', kind: 'line' }, e, (c) => c))
      out.data('')
      for (const l of e.message.replace(/\n+$/, '').split('\n')) out.data(`    ${safe(l)}`)
      out.data('')
      if (args.stat === true) printStat(out, r.diff)
      else printDiffs(out, r.diff)
    } else if (r.type === 'file') {
      if (out.json) {
        const chunks: Uint8Array[] = []
        for await (const c of r.content) chunks.push(c)
        const bytes = Buffer.concat(chunks)
        out.result({ type: r.type, path: r.path, cid: r.cid, kind: r.kind, size: r.size, content: bytes.toString('base64') })
      } else {
        await out.rawStream(r.content)
      }
    } else if (r.type === 'symlink') {
      out.result({ ...r })
      if (!out.json) out.raw(r.target + '\n')
    } else {
      out.result({ ...r })
      for (const e of r.entries) out.data(`${e.kind.padEnd(7)} ${e.cid} ${String(e.size).padStart(10)}  ${safe(e.name)}${e.kind === 'dir' ? '/' : ''}`)
    }
  }
})
