import { applyCommand } from './apply.js'

export default applyCommand('cherry-pick', 'picked')
