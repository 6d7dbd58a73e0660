'use strict';
// What the tests share: the recall-sim command of the venv under test, a served region on a free
// loopback port with a webhook receiver that checks signatures, and waiting for things to happen.

const assert = require('node:assert/strict');
const { spawn, execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const PACKAGE_DIR = path.resolve(__dirname, '..', '..');
const API_KEY = 'a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0';
const WEBHOOK_SECRET = `whsec_${Buffer.from('recall-sim desktop sdk tests 32b').toString('base64')}`;

/** The recall-sim command the tests run: RECALL_SIM_AGENT, which the README's test command sets. */
function recallSim() {
  const command = process.env.RECALL_SIM_AGENT;
  if (!command || !fs.existsSync(command)) {
    throw new Error(
      `RECALL_SIM_AGENT must name the recall-sim command of the venv under test (got ${JSON.stringify(command)}); ` +
        'run the tests as the README does: RECALL_SIM_AGENT="$PWD/.venv/bin/recall-sim" node --test (in js/desktop-sdk)',
    );
  }
  return command;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(check, { timeout = 60000, interval = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/** Svix's scheme: `v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` with the secret's bytes. */
function verifySignature(secret, headers, body) {
  const prefix = headers['svix-id'] ? 'svix' : 'webhook';
  const id = headers[`${prefix}-id`];
  const timestamp = headers[`${prefix}-timestamp`];
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = crypto.createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  const given = String(headers[`${prefix}-signature`] || '').split(' ');
  return given.some((signature) => signature === `v1,${expected}`);
}

/** A webhook receiver on loopback: every message, verified, in arrival order. */
async function startReceiver() {
  const messages = [];
  const server = http.createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const verified = verifySignature(WEBHOOK_SECRET, request.headers, body);
      messages.push({ verified, headers: request.headers, body: JSON.parse(body) });
      response.writeHead(verified ? 204 : 401).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/webhooks`,
    messages,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** `recall-sim serve --in-memory` on a free loopback port, stopped (SIGINT, as Ctrl-C) by `stop()`. */
async function serveRegion({ profile = 'seed', webhookUrl } = {}) {
  const port = await freePort();
  const args = ['serve', '--in-memory', '--port', String(port), '--profile', profile, '--delays', 'instant', '--api-key', API_KEY];
  if (webhookUrl) args.push('--webhook-url', webhookUrl, '--webhook-secret', WEBHOOK_SECRET);
  const logFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'recall-sim-serve-')), 'serve.log');
  const log = fs.openSync(logFile, 'w');
  const proc = spawn(recallSim(), args, { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const baseUrl = `http://127.0.0.1:${port}`;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  await waitFor(
    async () => {
      if (proc.exitCode !== null) throw new Error(`recall-sim serve exited: ${fs.readFileSync(logFile, 'utf8')}`);
      try {
        return (await fetch(`${baseUrl}/_simulator/health`)).ok;
      } catch {
        return false;
      }
    },
    { what: 'recall-sim serve to answer', interval: 200 },
  );
  return {
    baseUrl,
    apiKey: API_KEY,
    async api(method, route, body) {
      const response = await fetch(`${baseUrl}${route}`, {
        method,
        headers: { Authorization: `Token ${API_KEY}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    },
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGINT');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The recording's done, and its video download is an MP4 (an `ftyp` box first). */
async function checkVideo(region, recordingId) {
  const recording = await waitFor(
    async () => {
      const { body } = await region.api('GET', `/api/v1/recording/${recordingId}/`);
      const done = body.status.code === 'done' && body.media_shortcuts?.video_mixed?.data?.download_url;
      return done ? body : null;
    },
    { what: `recording ${recordingId} done with its video` },
  );
  const response = await fetch(recording.media_shortcuts.video_mixed.data.download_url);
  assert.equal(response.status, 200);
  const bytes = Buffer.from(await response.arrayBuffer());
  assert.ok(bytes.length > 1000, `video of ${bytes.length} bytes`);
  assert.equal(bytes.subarray(4, 8).toString('latin1'), 'ftyp');
  return bytes;
}

/** Whether a process is still there (a zombie counts as gone only once reaped). */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function processState(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[0];
  } catch {
    return null;
  }
}

/** A fresh folder with a package.json, for installing the SDK as a partner's project does. */
function tempProject(name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }));
  return dir;
}

function npmInstall(dir, ...specs) {
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', ...specs], { cwd: dir, stdio: 'pipe' });
}

/** End the SDK whatever state a failed test left it in: shutdown(), else end its helper. */
async function stopSdk() {
  const sdk = require('../..');
  const desktop = require('../../desktop');
  const pid = desktop.agentPid();
  if (pid === null) return;
  try {
    await sdk.shutdown();
  } catch {
    process.kill(pid, 'SIGTERM');
    await waitFor(() => desktop.agentPid() === null, { what: 'the helper to end', timeout: 20000 });
  }
}

module.exports = {
  API_KEY,
  PACKAGE_DIR,
  WEBHOOK_SECRET,
  alive,
  checkVideo,
  freePort,
  npmInstall,
  processState,
  recallSim,
  serveRegion,
  startReceiver,
  stopSdk,
  tempProject,
  verifySignature,
  waitFor,
};
