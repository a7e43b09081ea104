import { define } from '../command.js'
import path from 'node:path'
import * as b from '../../core/bundle.js'

export default define({
  builder: (y) => y
    .positional('action', { choices: ['create', 'import'] as const })
    .positional('file', { type: 'string', demandOption: true, describe: 'the .car file' })
    .positional('branches', { type: 'string', array: true, describe: 'with create: which branches (default: all)' }),
  run: async (args, { ctx, out, repo }) => {
    const file = path.resolve(ctx.cwd, args.file)
    if (args.action === 'create') {
      const r = await b.createBundle(await repo(), ctx, file, args.branches ?? [])
      out.result({ ...r })
      out.info(`Wrote ${r.file}: ${Object.keys(r.branches).join(', ')} (seq ${r.seq}), ${r.blocks} blocks, ${r.bytes} bytes`)
      // the CAR's root is the signed head; any CAR tool extracts a branch's files from its tree
      const [branch, tree] = Object.entries(r.trees)[0] ?? []
      if (tree !== undefined) out.verbose(`the files of ${branch}, without acache: ipfs-car unpack ${r.file} --root ${tree} --output DIR`)
      return
    }
    const r = await b.importBundle(await repo(), ctx, file)
    out.result({ ...r })
    out.info(`Imported from ${r.remote}: seq ${r.seq}, ${r.commits} new commit${r.commits === 1 ? '' : 's'}, ${r.blocks} blocks`)
    for (const u of r.refs) out.info(`  ${u.ref.replace('refs/remotes/', '')} -> ${u.new ?? '(deleted)'}`)
  }
})
