'use strict';
// The example partner app in js/examples/seed-app, end to end against `recall-sim serve`: its backend
// creates the SDK upload and receives the webhooks, its main process is the seed document's example
// (installed with `"@recallai/desktop-sdk": "file:../../desktop-sdk"`, the name it imports unchanged).

const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { test } = require('node:test');
const {
  WEBHOOK_SECRET,
  alive,
  checkVideo,
  freePort,
  npmInstall,
  processState,
  recallSim,
  serveRegion,
  waitFor,
} = require('./support/helpers');

const APP_DIR = path.resolve(__dirname, '..', '..', 'examples', 'seed-app');

function start(script, env) {
  const proc = spawn('node', [script], { cwd: APP_DIR, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { text: '' };
  proc.stdout.on('data', (chunk) => {
    out.text += chunk;
  });
  proc.stderr.on('data', (chunk) => {
    out.text += chunk;
  });
  const closed = new Promise((resolve) => proc.once('close', resolve));
  return { proc, out, closed };
}

test('the seed app records a meeting, uploads it and its backend gets sdk_upload.completed', { timeout: 300000 }, async () => {
  npmInstall(APP_DIR, '--no-package-lock');
  const backendPort = await freePort();
  const region = await serveRegion({ webhookUrl: `http://127.0.0.1:${backendPort}/webhooks` });
  const backend = start('backend.js', {
    PORT: String(backendPort),
    RECALL_API_URL: region.baseUrl,
    RECALL_API_KEY: region.apiKey,
    RECALL_WEBHOOK_SECRET: WEBHOOK_SECRET,
  });
  let desktop;
  try {
    await waitFor(() => backend.out.text.includes('backend on'), { what: 'the backend' });
    desktop = start('main.js', {
      RECALL_SIM_AGENT: recallSim(),
      RECALL_API_URL: region.baseUrl,
      BACKEND_URL: `http://127.0.0.1:${backendPort}`,
    });
    const line = await waitFor(() => backend.out.text.split('\n').find((l) => l.startsWith('sdk_upload.completed ')), {
      what: 'sdk_upload.completed at the backend',
      timeout: 120000,
    });
    const recordingId = line.split(' ').at(-1);
    await checkVideo(region, recordingId);
    await waitFor(() => desktop.out.text.includes('Uploaded 100%'), { what: 'upload-progress 100' });
    assert.match(desktop.out.text, /SDK is recording/);
    assert.match(desktop.out.text, /Uploaded 0%/);
    // Quitting the app takes the SDK's helper with it.
    const agents = await waitFor(() => childrenOf(desktop.proc.pid).length > 0 && childrenOf(desktop.proc.pid), {
      what: 'the helper',
    });
    desktop.proc.kill('SIGTERM');
    await desktop.closed;
    for (const pid of agents) await waitFor(() => !alive(pid) && processState(pid) === null, { what: `helper ${pid} gone` });
  } finally {
    if (desktop && desktop.proc.exitCode === null) desktop.proc.kill('SIGKILL');
    backend.proc.kill('SIGTERM');
    await backend.closed;
    await region.stop();
  }
});

function childrenOf(pid) {
  const found = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.split(') ')[1].split(' ')[1]) === pid) found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}
