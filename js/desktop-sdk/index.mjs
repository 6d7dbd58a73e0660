// ESM entry: the CommonJS module's exports, re-exported (one SDK per process, whichever way it is loaded).
import sdk from './index.js';

export * from './index.js';
export default sdk.default;
