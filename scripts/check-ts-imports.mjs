// The layering rules over the TypeScript sources (npm test, after the check
// of the compiled code): compiling drops type-only imports, so a module that
// needs another only for its types would hide a circle or a layer turned
// upside down. Every `import ... from './x.js'`, `export ... from`, and
// `import('./x.js')` in src/ counts, `import type` too.
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const src = path.join(root, 'src')
const { LAYERS, APART } = createRequire(import.meta.url)('./layers.cjs')

const files = fs.readdirSync(src, { recursive: true }).map(String).filter(f => f.endsWith('.ts')).map(f => path.join(src, f))
const layerOf = (file) => {
  const top = path.relative(src, file).split(path.sep)[0].replace(/\.ts$/, '.js')
  const i = LAYERS.findIndex(([, dirs]) => dirs.includes(top))
  if (i < 0) throw new Error(`${path.relative(root, file)} is in no layer: add its folder to scripts/layers.cjs`)
  return i
}
const edges = new Map()
const problems = []
for (const file of files) {
  const text = fs.readFileSync(file, 'utf8')
  const to = new Set()
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;'"]*?from\s+'(\.{1,2}\/[^']+)'|import\(\s*'(\.{1,2}\/[^']+)'\s*\)/g)) {
    const spec = m[1] ?? m[2]
    const target = path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts')
    if (!fs.existsSync(target)) continue
    to.add(target)
    const dirOf = (f) => path.relative(src, f).split(path.sep)[0]
    if (APART.includes(dirOf(file)) && dirOf(target) === dirOf(file)) problems.push(`${path.relative(root, file)} imports ${path.relative(root, target)}: the modules of ${dirOf(file)}/ do not import one another`)
    if (layerOf(target) < layerOf(file)) problems.push(`${path.relative(root, file)} imports ${path.relative(root, target)}: ${LAYERS[layerOf(file)][0]} does not import ${LAYERS[layerOf(target)][0]}`)
  }
  edges.set(file, to)
}
// circles: strongly connected components of more than one module (Tarjan)
let index = 0
const idx = new Map(); const low = new Map(); const stack = []; const on = new Set()
const visit = (v) => {
  idx.set(v, index); low.set(v, index); index++; stack.push(v); on.add(v)
  for (const w of edges.get(v) ?? []) {
    if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))) } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)))
  }
  if (low.get(v) === idx.get(v)) {
    const scc = []
    for (let w; w !== v;) { w = stack.pop(); on.delete(w); scc.push(w) }
    if (scc.length > 1) problems.push(`a circle: ${scc.map(f => path.relative(root, f)).sort().join(' <-> ')}`)
  }
}
for (const f of files) if (!idx.has(f)) visit(f)
if (problems.length > 0) {
  for (const p of problems) console.error(`check-ts-imports: ${p}`)
  process.exit(1)
}
console.log(`check-ts-imports: no violations (${files.length} TypeScript modules, ${[...edges.values()].reduce((n, s) => n + s.size, 0)} imports)`)
