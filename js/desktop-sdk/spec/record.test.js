'use strict';
// A partner's project with nothing but `npm install <this package>` runs a script written from the
// seed document's example against a served region: the meeting is recorded and uploaded, the region
// sends the upload's completion webhook (its signature checked), and the recording is done with a
// video. With a `seed` workspace the upload follows `uploadRecording` with `upload-progress` to 100;
// with a `current` one the same script uploads during the meeting and reports no progress.

const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const readline = require('node:readline');
const fs = require('node:fs');
const path = require('node:path');
const { test } = require('node:test');
const {
  PACKAGE_DIR,
  checkVideo,
  npmInstall,
  recallSim,
  serveRegion,
  startReceiver,
  tempProject,
  waitFor,
} = require('./support/helpers');

function runScript(dir, region) {
  // Each line the script prints, with when it came; meanwhile the region's state is read to see
  // when the first part of a recording reached it.
  // A 20-second meeting: longer than a recorder segment (10 s), so a `current` SDK uploads one before
  // the meeting ends.
  const env = {
    ...process.env,
    RECALL_SIM_AGENT: recallSim(),
    RECALL_SIM_MEETING: 'one-on-one',
    RECALL_API_URL: region.baseUrl,
    RECALL_API_KEY: region.apiKey,
  };
  const app = spawn('node', ['seed-flow.js'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const printed = [];
  let stderr = '';
  readline.createInterface({ input: app.stdout }).on('line', (line) => printed.push({ line, at: Date.now() }));
  app.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  let firstPartAt = null;
  const watching = (async () => {
    while (app.exitCode === null && firstPartAt === null) {
      const state = await (await fetch(`${region.baseUrl}/_simulator/state`)).json();
      if (state.collections.ingest_files.length > 0) firstPartAt = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const timer = setTimeout(() => app.kill('SIGKILL'), 120000);
  return new Promise((resolve, reject) => {
    app.once('close', async (code) => {
      clearTimeout(timer);
      await watching;
      if (code !== 0) reject(new Error(`seed-flow.js exited ${code}\n${printed.map((p) => p.line).join('\n')}\n${stderr}`));
      else resolve({ printed, stderr, firstPartAt });
    });
  });
}

async function recordWith(profile) {
  const project = tempProject('partner-app');
  npmInstall(project, PACKAGE_DIR);
  assert.ok(fs.existsSync(path.join(project, 'node_modules', '@recall-sim', 'desktop-sdk', 'index.js')));
  fs.copyFileSync(path.join(__dirname, 'fixtures', 'seed-flow.js'), path.join(project, 'seed-flow.js'));
  const receiver = await startReceiver();
  const region = await serveRegion({ profile, webhookUrl: receiver.url });
  try {
    const { printed, stderr, firstPartAt } = await runScript(project, region);
    assert.doesNotMatch(stderr, /SDK error/);
    const lines = printed.map((p) => p.line);
    const stoppedAt = printed.find((p) => p.line === 'SDK is idle').at;
    assert.ok(firstPartAt !== null, 'the region received the recording');
    const { sdk_upload_id: uploadId } = JSON.parse(lines.find((line) => line.startsWith('{')));
    const states = lines.filter((line) => line.startsWith('SDK is '));
    assert.deepEqual(states, ['SDK is recording', 'SDK is idle']);
    assert.equal(lines.at(-1), 'Upload finished');
    const progress = lines.filter((line) => line.startsWith('Uploaded ')).map((line) => Number.parseInt(line.slice(9), 10));
    const event = profile === 'seed' ? 'sdk_upload.completed' : 'sdk_upload.complete';
    const message = await waitFor(
      () => receiver.messages.find((m) => m.body.event === event && m.body.data.sdk_upload.id === uploadId),
      { what: `${event} for ${uploadId}` },
    );
    assert.ok(message.verified, 'the webhook signature verifies with the endpoint secret');
    const recordingId = profile === 'seed' ? message.body.data.sdk_upload.recording_id : message.body.data.recording.id;
    await checkVideo(region, recordingId);
    return { progress, receiver, uploadedDuringMeeting: firstPartAt < stoppedAt };
  } finally {
    await region.stop();
    await receiver.close();
    fs.rmSync(project, { recursive: true, force: true });
  }
}

test('seed workspace: uploadRecording uploads with progress to 100, sdk_upload.completed arrives', async () => {
  const { progress, uploadedDuringMeeting } = await recordWith('seed');
  assert.equal(uploadedDuringMeeting, false, 'nothing is uploaded before the recording stops');
  assert.equal(progress[0], 0);
  assert.equal(progress.at(-1), 100);
  assert.deepEqual(progress, [...progress].sort((a, b) => a - b));
});

test('current workspace: the same script uploads during the meeting, sdk_upload.complete arrives', async () => {
  const { progress, receiver, uploadedDuringMeeting } = await recordWith('current');
  assert.equal(uploadedDuringMeeting, true, 'parts reach the region while the meeting is recorded');
  assert.deepEqual(progress, []);
  const events = receiver.messages.map((m) => m.body.event);
  assert.ok(events.indexOf('sdk_upload.recording_started') < events.indexOf('sdk_upload.recording_ended'));
  assert.ok(events.indexOf('sdk_upload.recording_ended') < events.indexOf('sdk_upload.complete'));
});
