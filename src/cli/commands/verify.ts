import chalk from 'chalk'
import { define } from '../command.js'
import { safe } from '../render.js'
import { verify } from '../../core/verify.js'
import { repair } from '../../compose/repair.js'
import { AcacheError } from '../../errors.js'
import { checkReplicas } from '../../core/replica.js'

export default define({
  builder: (y) => y
    .option('full', { type: 'boolean', describe: 'read everything again, also what an earlier verify found sound (verify alone reads only what is new)' })
    .option('repair', { type: 'boolean', describe: 'fetch every missing or corrupt block again from the remotes, then check again' })
    .option('replicas', { type: 'string', describe: 'also require every branch head pinned on at least N replicas, and on as many as .acachereplicas asks (--replicas alone: as it asks, at least 1)' }),
  run: async (args, { ctx, out, repo }) => {
    let fixed: { repaired: string[], unrepaired: string[] } | undefined
    let r
    if (args.repair === true) {
      const x = await repair(await repo(), ctx)
      fixed = { repaired: x.repaired, unrepaired: x.unrepaired }
      r = x.report
      if (x.repaired.length > 0) out.info(`repaired ${x.repaired.length} block${x.repaired.length === 1 ? '' : 's'} from the remotes`)
      if (x.unrepaired.length > 0) out.warn(`${x.unrepaired.length} block${x.unrepaired.length === 1 ? '' : 's'} could not be had from any remote`)
    } else {
      r = await verify(await repo(), { progress: ctx.progress, full: args.full === true })
    }
    let copies: Awaited<ReturnType<typeof import('../../core/replica.js').checkReplicas>> | undefined
    if (args.replicas !== undefined) {
      const n = args.replicas === '' ? 1 : Number(args.replicas)
      if (!Number.isSafeInteger(n) || n < 0 || n > 100) {
        throw new AcacheError('USAGE', `--replicas takes a number of replicas (0 to 100), not ${String(args.replicas).slice(0, 40)}`)
      }
      copies = await checkReplicas(await repo(), ctx, n)
    }
    out.result({ ...r, ok: r.ok && copies?.ok !== false, ...(fixed !== undefined ? fixed : {}), ...(copies !== undefined ? { replicas: copies } : {}) })
    if (copies !== undefined) {
      for (const x of copies.replicas) if (x.error !== undefined) out.finding(chalk.red('error: ') + safe(x.error.message))
      for (const b of copies.branches) {
        const line = `${safe(b.branch)}: pinned on ${b.pinned.length} of ${b.required} replica${b.required === 1 ? '' : 's'} needed${b.pinned.length > 0 ? ` (${b.pinned.map(safe).join(', ')})` : ''}`
        if (b.short) out.finding(chalk.red('FAIL ') + line)
        else out.line(`ok: ${line}`)
      }
      if (!copies.ok) {
        out.finding('hint: `acache replica status` shows what each replica holds; `acache replicate` asks again')
        out.setExit(1)
      }
    }
    if (r.ok) {
      out.line(`ok: ${r.refs} refs, ${r.commits} commits, ${r.blocks} blocks (${r.bytes} bytes) verified${(r.notFetched ?? 0) > 0 ? `; ${r.notFetched} not fetched yet (partial fetch)` : ''}${(r.verifiedBefore ?? 0) > 0 ? `; ${r.verifiedBefore} found sound by an earlier verify not read again (--full reads everything)` : ''}`)
    } else {
      for (const f of r.failures) {
        const where = [f.ref && `ref ${f.ref}`, f.commit && `commit ${f.commit}`, f.path && `path ${f.path}`].filter(Boolean).join(', ')
        out.finding(chalk.red('FAIL ') + `${f.code}: ${safe(f.problem)}${where ? ` (${safe(where)})` : ''}`)
      }
      out.finding(`${r.failures.length} failure${r.failures.length === 1 ? '' : 's'} in ${r.commits} commits, ${r.blocks} blocks checked`)
      if (args.repair !== true && r.failures.some(f => f.code === 'MISSING_OBJECT' || f.code === 'CORRUPT_OBJECT')) out.info('hint: blocks are missing or damaged: `acache verify --repair` fetches them again from your remotes')
      out.setExit(1)
    }
  }
})
