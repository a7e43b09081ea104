import chalk from 'chalk'
import { define } from '../command.js'

export default define({
  command: 'verify',
  describe: 'Check everything: blocks against their CIDs, signatures, tree entries (exit 1 on any failure)',
  run: async (_args, { ctx, out, repo }) => {
    const { verify } = await import('../../core/verify.js')
    const r = await verify(await repo(), { progress: ctx.progress })
    out.result({ ...r, ok: r.ok })
    if (r.ok) {
      out.line(`ok: ${r.refs} refs, ${r.commits} commits, ${r.blocks} blocks (${r.bytes} bytes) verified${(r.notFetched ?? 0) > 0 ? `; ${r.notFetched} not fetched yet (partial fetch)` : ''}`)
    } else {
      for (const f of r.failures) {
        const where = [f.ref && `ref ${f.ref}`, f.commit && `commit ${f.commit}`, f.path && `path ${f.path}`].filter(Boolean).join(', ')
        process.stderr.write(chalk.red('FAIL ') + `${f.code}: ${f.problem}${where ? ` (${where})` : ''}\n`)
      }
      process.stderr.write(`${r.failures.length} failure${r.failures.length === 1 ? '' : 's'} in ${r.commits} commits, ${r.blocks} blocks checked\n`)
      process.exitCode = 1
    }
  }
})
