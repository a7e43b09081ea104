import { define } from '../command.js'
import path from 'node:path'
import { init } from '../../core/init.js'

export default define({
  builder: (y) => y
    .positional('dir', { type: 'string', describe: 'where (default: the current directory)' })
    .option('bare', { type: 'boolean', describe: 'a bare store for others to push to: no working root' })
    .option('branch', { alias: 'b', type: 'string', describe: 'name of the first branch', default: 'main' })
    .option('store', { choices: ['embedded', 'kubo'] as const, describe: 'where blocks live: embedded (.acache/blocks, the default) or kubo (an IPFS node, through its RPC API: give --api)' })
    .option('store-layout', { choices: ['packed', 'flatfs'] as const, default: 'packed', describe: 'how the embedded store keeps blocks: packed (small blocks in pack files, the default) or flatfs (every block a file, the layout a Kubo node can adopt)' })
    .option('api', { type: 'string', describe: 'the Kubo RPC API for --store kubo: host:port, http://host:port or /ip4/ADDR/tcp/PORT' })
    .option('chunker', { choices: ['fixed', 'cdc'] as const, default: 'fixed', describe: 'how large files become blocks: fixed (1 MiB, Kubo-identical CIDs) or cdc (FastCDC: edited files dedup); recorded in .acacheattributes' }),
  run: async (args, { ctx, out }) => {
    const r = await init(path.resolve(ctx.cwd, args.dir ?? '.'), { bare: args.bare, branch: args.branch, chunker: args.chunker as 'fixed' | 'cdc', store: args.store, api: args.api, layout: args.storeLayout as 'packed' | 'flatfs' })
    out.result({ ...r })
    out.line(`Initialized empty acache ${r.bare ? 'bare store' : 'repository'} in ${r.dir} (branch ${r.branch}${r.store === 'embedded' && r.layout === 'flatfs' ? ', every block a file (flatfs)' : ''}${r.chunker === 'cdc' ? ', content-defined chunking: commit .acacheattributes' : ''}${r.kubo !== undefined ? `, blocks in the Kubo node at ${r.kubo.api} (peer ${r.kubo.peer})` : ''})`)
  }
})
