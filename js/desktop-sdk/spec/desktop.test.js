'use strict';
// A test drives the simulated desktop (@recall-sim/desktop-sdk/desktop): it opens and closes meeting
// windows, revokes a permission, drops the network; and a recorded meeting takes a chat message.

const assert = require('node:assert/strict');
const { test, before, after } = require('node:test');
const { recallSim, serveRegion, stopSdk, waitFor } = require('./support/helpers');

process.env.RECALL_SIM_AGENT = recallSim();
const sdk = require('..');
const desktop = require('../desktop');

let region;
const seen = [];
before(async () => {
  region = await serveRegion();
  for (const type of require('../lib/agent').EVENT_TYPES) sdk.addEventListener(type, (payload) => seen.push([type, payload]));
  await sdk.init({ apiUrl: region.baseUrl, meeting: 'standup', restartOnError: false });
});
after(async () => {
  await stopSdk();
  await region?.stop();
});

const payloads = (type) => seen.filter(([name]) => name === type).map(([, payload]) => payload);

test('a meeting window opened and closed by the test is detected and reported closed', async () => {
  const windowId = await desktop.openMeeting('one-on-one');
  const detected = await waitFor(() => payloads('meeting-detected').find((p) => p.window.id === windowId), { what: 'meeting-detected' });
  assert.equal(detected.window.platform, 'google-meet');
  assert.equal(await desktop.closeMeeting(windowId), true);
  await waitFor(() => payloads('meeting-closed').some((p) => p.window.id === windowId), { what: 'meeting-closed' });
  assert.equal(await desktop.closeMeeting(windowId), false);
  await assert.rejects(desktop.openMeeting('no-such-meeting'), { code: 'invalid_argument', message: /no meeting named 'no-such-meeting'/ });
});

test('log lines name their window, or none with an empty string as Recall\'s package does', () => {
  const windows = payloads('log').map((p) => p.window_id);
  assert.ok(windows.includes(''));
  assert.ok(windows.every((id) => typeof id === 'string'));
});

test('a revoked permission refuses the recording until granted again', async () => {
  const windowId = await desktop.openMeeting('one-on-one');
  await desktop.revokePermission('screen-capture');
  await assert.rejects(sdk.startRecording({ windowId, uploadToken: 'unused' }), {
    code: 'permission_missing',
    message: "Recording needs the 'screen-capture' permission; request it first.",
  });
  await sdk.requestPermission('screen-capture');
  assert.deepEqual(payloads('permission-status').at(-1), { permission: 'screen-capture', granted: true, status: 'granted' });
  await desktop.closeMeeting(windowId);
});

test('a chat message in a recorded meeting is reported sent; the network goes down and comes back', async () => {
  const windowId = await desktop.openMeeting('one-on-one');
  const upload = await region.api('POST', '/api/v1/sdk_upload/');
  await sdk.startRecording({ windowId, uploadToken: upload.body.upload_token, disableRawMedia: true });
  const started = await waitFor(() => payloads('recording-started').find((p) => p.window.id === windowId), { what: 'recording-started' });
  assert.deepEqual(started, { window: { id: windowId }, rawMedia: false });
  await sdk.sendChatMessage({ windowId, message: 'This meeting is being recorded.' });
  const status = await waitFor(() => payloads('compliance-message-status').at(-1), { what: 'compliance-message-status' });
  assert.deepEqual(status, { window: { id: windowId }, status: 'sent' });
  await desktop.setNetwork(false);
  await assert.rejects(desktop.setNetwork('off'), { code: 'invalid_argument' });
  await desktop.setNetwork(true);
  await sdk.stopRecording({ windowId });
  await waitFor(() => payloads('recording-ended').some((p) => p.window.id === windowId), { what: 'recording-ended' });
  await sdk.uploadRecording({ windowId });
  assert.equal(payloads('upload-progress').at(-1).progress, 100);
});
