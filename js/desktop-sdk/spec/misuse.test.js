'use strict';
// Every misuse rejects with the code and message the Python SDK raises for it: both read the same
// table (spec/fixtures/misuse.json; tests/recorder/test_sdk_additions.py checks the Python side).

const assert = require('node:assert/strict');
const { test, before, after } = require('node:test');
const table = require('./fixtures/misuse.json');
const { recallSim, serveRegion, stopSdk, waitFor } = require('./support/helpers');

process.env.RECALL_SIM_AGENT = recallSim();
const sdk = require('..');

let region;
before(async () => {
  region = await serveRegion();
});
after(async () => {
  await stopSdk();
  await region?.stop();
});

function fill(value, names) {
  return JSON.parse(JSON.stringify(value).replaceAll('{window}', names.window).replaceAll('{fresh_token}', names.token));
}

async function check(cases, names) {
  for (const { call, args, code, message } of cases) {
    const filled = fill(args, names);
    const expected = { code, message: message.replaceAll('{window}', names.window) };
    if (call === 'addEventListener') {
      assert.throws(() => sdk.addEventListener(...filled, () => {}), { message: expected.message });
      continue;
    }
    await assert.rejects(sdk[call](...filled), expected, `${call}(${JSON.stringify(filled)})`);
  }
}

const phase = (name) => table.cases.filter((c) => c.phase === name);

test('before init', async () => {
  await check(phase('before'), { window: '', token: '' });
});

test('initialised, then while a window is recording', async () => {
  const detected = [];
  sdk.addEventListener('meeting-detected', (evt) => detected.push(evt.window.id));
  await sdk.init({ apiUrl: region.baseUrl, meeting: 'standup', restartOnError: false });
  await check(phase('initialised'), { window: '', token: '' });

  const window = await waitFor(() => detected[0], { what: 'meeting-detected' });
  const upload = await region.api('POST', '/api/v1/sdk_upload/');
  await sdk.startRecording({ windowId: window, uploadToken: upload.body.upload_token });
  const fresh = await region.api('POST', '/api/v1/sdk_upload/');
  await check(phase('recording'), { window, token: fresh.body.upload_token });
  await sdk.stopRecording({ windowId: window });
  await sdk.shutdown();
});
