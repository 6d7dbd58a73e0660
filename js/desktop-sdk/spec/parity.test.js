'use strict';
// For the same meeting script and seed, the JavaScript SDK reports what the Python recorder reports:
// the same events in the same order with the same payloads (window ids included). The Python side is
// `recall-sim record --json`, which runs the seed's flow with the Python SDK.

const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const { test, after, before } = require('node:test');
const { recallSim, serveRegion, stopSdk } = require('./support/helpers');

process.env.RECALL_SIM_AGENT = recallSim();
const sdk = require('..');
const EVENT_TYPES = require('../lib/agent').EVENT_TYPES;

const SEED = 11;
const MEETING = 'short-zoom';
const IGNORED = new Set(['log', 'shutdown']); // log lines carry timings; shutdown is the process's own

let region;
before(async () => {
  region = await serveRegion();
});
after(async () => {
  await stopSdk();
  await region?.stop();
});

function pythonEvents() {
  const args = ['record', '--base-url', region.baseUrl, '--api-key', region.apiKey, '--meeting', MEETING];
  args.push('--seed', String(SEED), '--mode', 'seed', '--json');
  return new Promise((resolve, reject) => {
    execFile(recallSim(), args, { timeout: 120000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`recall-sim record failed: ${error.message}\n${stderr}`));
      // `--json` prints one object; its `events` are the SDK's events in order.
      const printed = JSON.parse(stdout);
      resolve(printed.events.map(({ event, payload }) => [event, payload]));
    });
  });
}

async function javascriptEvents() {
  const seen = [];
  let finished;
  const done = new Promise((resolve) => {
    finished = resolve;
  });
  for (const type of EVENT_TYPES) sdk.addEventListener(type, (payload) => seen.push([type, payload]));
  sdk.addEventListener('meeting-detected', async (evt) => {
    const upload = await region.api('POST', '/api/v1/sdk_upload/');
    await sdk.startRecording({ windowId: evt.window.id, uploadToken: upload.body.upload_token });
  });
  sdk.addEventListener('recording-ended', async (evt) => {
    await sdk.uploadRecording({ windowId: evt.window.id });
    finished();
  });
  await sdk.init({ apiUrl: region.baseUrl, meeting: MEETING, seed: SEED, uploadMode: 'seed', restartOnError: false });
  await done;
  await sdk.shutdown();
  sdk.removeAllEventListeners();
  return seen;
}

test('the same script and seed give the same events as the Python recorder', { timeout: 300000 }, async () => {
  const python = (await pythonEvents()).filter(([name]) => !IGNORED.has(name));
  const javascript = (await javascriptEvents()).filter(([name]) => !IGNORED.has(name));
  assert.ok(python.some(([name]) => name === 'recording-ended'), 'the Python run recorded the meeting');
  assert.deepEqual(javascript, python);
});
