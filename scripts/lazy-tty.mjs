// What the bundle gives chalk's supports-color for node:tty: isatty with the
// same answer, loading node:tty only for what may be a terminal (src/util/tty.ts).
import { isTerminal } from '../dist/src/util/tty.js'

export const isatty = isTerminal
export default { isatty }
