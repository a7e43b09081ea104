/**
 * The environment acache reads is one list (src/util/knobs.ts): nothing
 * else in src/ reads an ACACHE_ variable, and acache(1) names exactly those.
 */
import test from 'ava'
import fs from 'node:fs'
import path from 'node:path'
import { ROOT } from '../helpers.js'
import { KNOBS, knob, knobNumber, setKnobs } from '../../src/util/knobs.js'

test('no module but util/knobs.ts reads an ACACHE_ variable from the environment', t => {
  const src = path.join(ROOT, 'src')
  const offenders: string[] = []
  for (const f of fs.readdirSync(src, { recursive: true }).map(String).filter(f => f.endsWith('.ts'))) {
    if (f === path.join('util', 'knobs.ts')) continue
    const text = fs.readFileSync(path.join(src, f), 'utf8')
    for (const m of text.matchAll(/process\.env(?:\.|\[\s*['"])(ACACHE_[A-Z_]*)|\benv\.(ACACHE_[A-Z_]*)/g)) offenders.push(`${f}: ${m[1] ?? m[2]}`)
  }
  t.deepEqual(offenders, [])
})

test('acache(1) ENVIRONMENT names every knob, and no ACACHE_ variable that is not one (the ones acache sets for hooks aside)', t => {
  const page = fs.readFileSync(path.join(ROOT, 'man', 'acache.1'), 'utf8')
  const section = page.slice(page.indexOf('.SH ENVIRONMENT'), page.indexOf('.SH', page.indexOf('.SH ENVIRONMENT') + 4))
  const forHooks = section.slice(section.indexOf('Set by acache for hooks'))
  const named = new Set([...section.slice(0, section.indexOf('Set by acache for hooks')).matchAll(/\\fB(ACACHE_[A-Z_]+)/g)].map(m => m[1]))
  t.deepEqual([...named].sort(), Object.keys(KNOBS).sort())
  t.regex(forHooks, /ACACHE_DIR/)
})

test('a knob is read once; setKnobs gives values without the environment; knobNumber takes only numbers above 0', t => {
  setKnobs({ ACACHE_NET_TIMEOUT_MS: '1500', ACACHE_SERVE_IDLE_MS: '-3', ACACHE_KUBO_TIMEOUT_MS: 'soon' })
  try {
    t.is(knobNumber('ACACHE_NET_TIMEOUT_MS', 30_000), 1500)
    t.is(knobNumber('ACACHE_SERVE_IDLE_MS', 30_000), 30_000)
    t.is(knobNumber('ACACHE_KUBO_TIMEOUT_MS', 120_000), 120_000)
    t.is(knobNumber('ACACHE_MAX_TREE_ENTRIES', 4_000_000), 4_000_000)
    t.is(knob('ACACHE_TRACE'), undefined)
  } finally {
    setKnobs(undefined)
  }
})
