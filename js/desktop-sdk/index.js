'use strict';
// @recall-sim/desktop-sdk: the module surface of Recall's `@recallai/desktop-sdk` 2.0.x, over
// `recall-sim desktop-agent` (the Python recorder on a simulated desktop) instead of a native helper.
// Every function is on the default export and is a named export; every call returns a promise that
// settles with the agent's answer, except the three listener functions, which act at once.

const agent = require('./lib/agent');

function windowCommand(name) {
  return async function windowCall(config) {
    const { windowId } = config || {};
    return agent.command(name, { windowId });
  };
}

async function init(options) {
  return agent.init(options);
}

async function shutdown() {
  return agent.shutdown();
}

// The 2.0 form is {windowId, uploadToken, disableRawMedia}; the seed's 2024 form also had realtimeEvents.
async function startRecording(config) {
  const { windowId, uploadToken, realtimeEvents, disableRawMedia } = config || {};
  return agent.command('startRecording', { windowId, uploadToken, realtimeEvents, disableRawMedia });
}

const stopRecording = windowCommand('stopRecording');
const pauseRecording = windowCommand('pauseRecording');
const resumeRecording = windowCommand('resumeRecording');
const uploadRecording = windowCommand('uploadRecording');

async function sendChatMessage(config) {
  const { windowId, message, to, pin } = config || {};
  return agent.command('sendChatMessage', { windowId, message, to, pin });
}

async function prepareDesktopAudioRecording(config) {
  return agent.command('prepareDesktopAudioRecording', { config: config || {} });
}

async function listDevices() {
  return agent.command('listDevices');
}

async function setDesktopAudioDevice(id, dir) {
  return agent.command('setDesktopAudioDevice', { id, direction: dir });
}

async function requestPermission(permission) {
  return agent.command('requestPermission', { permission });
}

async function testUnexpectedShutdown() {
  return agent.command('testUnexpectedShutdown');
}

async function dumpAXTree(procName) {
  return agent.command('dumpAXTree', { procName });
}

async function dumpAllApplications() {
  return agent.command('dumpAllApplications');
}

function addEventListener(type, callback) {
  agent.addEventListener(type, callback);
}

function removeEventListener(type, callback) {
  agent.removeEventListener(type, callback);
}

function removeAllEventListeners() {
  agent.removeAllEventListeners();
}

// Every export, listed once: `index.mjs` re-exports these names, which Node reads from this literal.
module.exports = {
  init,
  shutdown,
  startRecording,
  stopRecording,
  pauseRecording,
  resumeRecording,
  sendChatMessage,
  uploadRecording,
  prepareDesktopAudioRecording,
  listDevices,
  setDesktopAudioDevice,
  requestPermission,
  addEventListener,
  removeEventListener,
  removeAllEventListeners,
  testUnexpectedShutdown,
  dumpAXTree,
  dumpAllApplications,
};
// The default export is Recall's `RecallAiSdk` object: the SDK's functions, without the two diagnostics,
// which are named exports only.
const { dumpAXTree: _tree, dumpAllApplications: _apps, ...RecallAiSdk } = module.exports;
module.exports.default = RecallAiSdk;
// `__esModule` tells TypeScript and bundlers that `default` is the default export. Set this way, Node's
// reading of the names above for `import` does not take it for one more name of index.mjs.
Object.defineProperties(module.exports, { __esModule: { value: true } });
