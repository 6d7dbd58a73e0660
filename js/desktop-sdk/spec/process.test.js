'use strict';
// The helper process lives and dies with the SDK, as Recall's native helper does: a crash surfaces as
// `shutdown {code, signal}` and `error {type: "process"}` (then a restart, with restartOnError), the
// helper never outlives the Node process, and nothing is left as a zombie.

const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const path = require('node:path');
const { test, afterEach } = require('node:test');
const { alive, processState, recallSim, stopSdk, waitFor } = require('./support/helpers');

process.env.RECALL_SIM_AGENT = recallSim();
const sdk = require('..');
const desktop = require('../desktop');

const API_URL = 'http://127.0.0.1:9'; // no region is needed to watch the desktop

function listen() {
  const seen = [];
  for (const type of ['meeting-detected', 'shutdown', 'error']) sdk.addEventListener(type, (payload) => seen.push([type, payload]));
  return seen;
}

const gone = (pid) => waitFor(() => !alive(pid) && processState(pid) === null, { what: `process ${pid} to be gone`, timeout: 20000 });

afterEach(async () => {
  await stopSdk();
  sdk.removeAllEventListeners();
});

test('testUnexpectedShutdown: the promise rejects, shutdown and error are reported, the helper is reaped', async () => {
  const seen = listen();
  await sdk.init({ apiUrl: API_URL, restartOnError: false });
  const pid = desktop.agentPid();
  await assert.rejects(sdk.testUnexpectedShutdown(), { code: 'process_exited' });
  await waitFor(() => seen.some(([type]) => type === 'error'), { what: 'the error event' });
  const after = seen.filter(([type]) => type !== 'meeting-detected');
  assert.deepEqual(after, [
    ['shutdown', { code: 70, signal: '' }],
    ['error', { type: 'process', message: 'The Desktop SDK process exited unexpectedly.' }],
  ]);
  await gone(pid);
  assert.equal(desktop.agentPid(), null);
  await assert.rejects(sdk.listDevices(), { code: 'not_initialised' });
});

test('restartOnError (the default) starts a new helper that detects the meeting again', async () => {
  const seen = listen();
  await sdk.init({ apiUrl: API_URL, meeting: 'standup' });
  await waitFor(() => seen.filter(([type]) => type === 'meeting-detected').length === 1, { what: 'meeting-detected' });
  const first = desktop.agentPid();
  process.kill(first, 'SIGKILL');
  await waitFor(() => seen.filter(([type]) => type === 'meeting-detected').length === 2, { what: 'a second meeting-detected' });
  assert.deepEqual(seen.find(([type]) => type === 'shutdown'), ['shutdown', { code: 0, signal: 'SIGKILL' }]);
  const second = desktop.agentPid();
  assert.notEqual(second, first);
  await gone(first);
  await sdk.shutdown();
  assert.deepEqual(seen.filter(([type]) => type === 'shutdown').at(-1), ['shutdown', { code: 0, signal: '' }]);
  await gone(second);
});

for (const how of ['exit', 'SIGKILL', 'SIGTERM']) {
  test(`the helper ends when the app ends (${how}) without shutdown()`, async () => {
    const app = spawn('node', [path.join(__dirname, 'fixtures', 'exit-early.js'), how], {
      env: process.env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    app.stdout.on('data', (chunk) => {
      output += chunk;
    });
    const closed = new Promise((resolve) => app.once('close', resolve));
    const { agent } = await waitFor(() => (output.includes('\n') ? JSON.parse(output.split('\n')[0]) : null), {
      what: 'the app to report its helper',
    });
    assert.ok(alive(agent));
    if (how !== 'exit') app.kill(how);
    await closed;
    await gone(agent);
  });
}
