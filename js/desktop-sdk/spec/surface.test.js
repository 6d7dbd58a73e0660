'use strict';
// The module's surface is the one of Recall's @recallai/desktop-sdk 2.0.x: every function on the
// default export and as a named export, from `require` and from `import`, each call a promise.

const assert = require('node:assert/strict');
const { test } = require('node:test');

const FUNCTIONS = [
  'init',
  'shutdown',
  'startRecording',
  'stopRecording',
  'pauseRecording',
  'resumeRecording',
  'sendChatMessage',
  'uploadRecording',
  'prepareDesktopAudioRecording',
  'listDevices',
  'setDesktopAudioDevice',
  'requestPermission',
  'addEventListener',
  'removeEventListener',
  'removeAllEventListeners',
  'testUnexpectedShutdown',
];
const LISTENER_FUNCTIONS = ['addEventListener', 'removeEventListener', 'removeAllEventListeners'];
const DIAGNOSTICS = ['dumpAXTree', 'dumpAllApplications'];

test('require gives every function on the default export and by name', () => {
  const sdk = require('..');
  assert.deepEqual(Object.keys(sdk.default).sort(), [...FUNCTIONS].sort());
  for (const name of [...FUNCTIONS, ...DIAGNOSTICS]) {
    assert.equal(typeof sdk[name], 'function', name);
  }
  for (const name of FUNCTIONS) assert.equal(sdk.default[name], sdk[name], name);
});

test('import gives the same functions as require: one SDK per process', async () => {
  const cjs = require('..');
  const esm = await import('../index.mjs');
  for (const name of [...FUNCTIONS, ...DIAGNOSTICS]) assert.equal(esm[name], cjs[name], name);
  assert.equal(esm.default, cjs.default);
  const desktop = await import('../desktop.mjs');
  assert.equal(desktop.openMeeting, require('../desktop').openMeeting);
});

test('every call but the listener functions returns a promise', async () => {
  const sdk = require('..');
  for (const name of [...FUNCTIONS, ...DIAGNOSTICS]) {
    if (LISTENER_FUNCTIONS.includes(name) || name === 'init') continue;
    const result = sdk[name]({ windowId: 'w', uploadToken: 't', message: 'm' }, 'input');
    assert.ok(result instanceof Promise, name);
    await assert.rejects(result, { code: 'not_initialised' }, name);
  }
  const listener = () => {};
  assert.equal(sdk.addEventListener('meeting-detected', listener), undefined);
  assert.equal(sdk.removeEventListener('meeting-detected', listener), undefined);
  assert.equal(sdk.removeAllEventListeners(), undefined);
});

test('the 17 event types are accepted, others refused', () => {
  const sdk = require('..');
  const types = require('../lib/agent').EVENT_TYPES;
  assert.equal(types.length, 17);
  for (const type of types) sdk.addEventListener(type, () => {});
  sdk.removeAllEventListeners();
  assert.throws(() => sdk.addEventListener('recording-paused', () => {}), /unknown event 'recording-paused'/);
});

test('without recall-sim, init says how to get it', async () => {
  const sdk = require('..');
  const saved = process.env.RECALL_SIM_AGENT;
  process.env.RECALL_SIM_AGENT = '/nonexistent/recall-sim';
  try {
    await assert.rejects(sdk.init({ apiUrl: 'http://127.0.0.1:9' }), (error) => {
      assert.equal(error.code, 'agent_not_found');
      assert.match(error.message, /RECALL_SIM_AGENT/);
      assert.match(error.message, /pip install recall-sim/);
      return true;
    });
  } finally {
    process.env.RECALL_SIM_AGENT = saved;
  }
  await assert.rejects(sdk.listDevices(), { code: 'not_initialised' });
});
