import { applyCommand } from './apply.js'

export default applyCommand('revert', 'reverted')
