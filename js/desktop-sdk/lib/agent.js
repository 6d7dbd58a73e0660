'use strict';
// The helper process and its wire: `recall-sim desktop-agent` spawned on first `init`, one JSON
// message per line each way (the protocol is in the README). Every command is a promise settled by
// the agent's answer; events go to the listeners registered here. When the process ends, whatever is
// still waiting is rejected and listeners get `shutdown {code, signal}`, as from Recall's own helper;
// an exit nobody asked for is also an `error {type: "process"}`, and with `restartOnError` (the
// default, as in Recall's package) the SDK starts again with the same options, up to ten times.

const { spawn } = require('node:child_process');
const readline = require('node:readline');

const EVENT_TYPES = Object.freeze([
  'meeting-detected',
  'meeting-updated',
  'meeting-closed',
  'recording-started',
  'recording-ended',
  'sdk-state-change',
  'upload-progress',
  'media-capture-status',
  'participant-capture-status',
  'compliance-message-status',
  'realtime-event',
  'permission-status',
  'permissions-granted',
  'error',
  'network-status',
  'shutdown',
  'log',
]);

const MAX_AUTOMATIC_RESTARTS = 10;
const SHUTDOWN_GRACE_MS = 5000;

const listeners = new Map(EVENT_TYPES.map((type) => [type, []]));
let current = null; // the running agent: {proc, pending, nextId, stopping, stderr}
let lastOptions = null;
let restartsLeft = MAX_AUTOMATIC_RESTARTS;
let exiting = false;

function sdkError(code, message) {
  const error = new Error(message);
  error.code = code;
  return error;
}

function notInitialised() {
  // The Python SDK's words for the same mistake (recorder.errors.NotInitialisedError).
  return sdkError('not_initialised', 'The SDK is not initialised: call init() first.');
}

function emit(type, payload) {
  for (const callback of [...(listeners.get(type) || [])]) {
    let result;
    try {
      result = callback(payload);
    } catch (error) {
      listenerFailed(type, error);
      continue;
    }
    if (result && typeof result.then === 'function') {
      result.then(undefined, (error) => listenerFailed(type, error));
    }
  }
}

function listenerFailed(type, error) {
  // A listener's bug must not take the app down; it becomes an `error` event, as in the Python SDK.
  if (type !== 'error') {
    emit('error', { type: 'listener_error', message: `${type} listener: ${error && error.stack ? error.message : error}` });
  }
}

function checkType(type) {
  if (!listeners.has(type)) {
    throw new Error(`unknown event '${type}'; one of ${EVENT_TYPES.join(', ')}`);
  }
}

function addEventListener(type, callback) {
  checkType(type);
  listeners.get(type).push(callback);
}

function removeEventListener(type, callback) {
  checkType(type);
  const list = listeners.get(type);
  const at = list.indexOf(callback);
  if (at >= 0) list.splice(at, 1);
}

function removeAllEventListeners(type) {
  if (type !== undefined) {
    checkType(type);
    listeners.set(type, []);
    return;
  }
  for (const name of EVENT_TYPES) listeners.set(name, []);
}

function agentCommand() {
  return process.env.RECALL_SIM_AGENT || 'recall-sim';
}

function missingAgent(error) {
  return sdkError(
    'agent_not_found',
    `Cannot start the Desktop SDK's helper '${agentCommand()} desktop-agent' (${error.code || error.message}): ` +
      'install recall-sim (pip install recall-sim) so that `recall-sim` is on PATH, or set RECALL_SIM_AGENT ' +
      'to the recall-sim command, e.g. RECALL_SIM_AGENT=.venv/bin/recall-sim.',
  );
}

function startAgent() {
  const proc = spawn(agentCommand(), ['desktop-agent'], { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
  const agent = { proc, pending: new Map(), nextId: 1, stopping: false, stderr: [] };
  current = agent;
  proc.stdin.on('error', () => {}); // a dead agent shows up as 'close'; a failed write must not throw
  readline.createInterface({ input: proc.stdout }).on('line', (line) => receive(agent, line));
  readline.createInterface({ input: proc.stderr }).on('line', (line) => {
    agent.stderr.push(line);
    if (agent.stderr.length > 50) agent.stderr.shift();
    if (process.env.RECALL_SIM_AGENT_DEBUG) process.stderr.write(`[desktop-agent] ${line}\n`);
  });
  proc.on('error', (error) => {
    // The command could not be run at all (ENOENT, EACCES): 'close' may never come.
    if (agent.failedToStart) return;
    agent.failedToStart = true;
    settleAll(agent, missingAgent(error));
    if (current === agent) current = null;
  });
  proc.on('close', (code, signal) => closed(agent, code, signal));
  return agent;
}

function settleAll(agent, error) {
  for (const { reject } of agent.pending.values()) reject(error);
  agent.pending.clear();
}

function receive(agent, line) {
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    return; // not ours: the agent writes only JSON lines on stdout
  }
  if (message && typeof message.event === 'string') {
    const payload = message.payload;
    // Recall's package names no window in an SDK-wide log line with '' (the Python SDK says None).
    if (message.event === 'log' && payload && payload.window_id == null) payload.window_id = '';
    emit(message.event, payload);
    return;
  }
  const waiting = agent.pending.get(message.id);
  if (!waiting) return;
  agent.pending.delete(message.id);
  if (message.error) {
    waiting.reject(sdkError(message.error.code, message.error.message));
  } else {
    waiting.resolve(message.result === undefined ? null : message.result);
  }
}

function closed(agent, code, signal) {
  if (agent.failedToStart) return;
  if (current === agent) current = null;
  settleAll(agent, sdkError('process_exited', `The Desktop SDK process exited with code ${code}, signal ${signal}.`));
  if (agent.quiet) return; // an init that failed: there was never an SDK to shut down
  emit('shutdown', { code: code ?? 0, signal: signal ?? '' });
  if (code === 0 || signal === 'SIGINT' || signal === 'SIGTERM' || agent.stopping || exiting) return;
  emit('error', { type: 'process', message: 'The Desktop SDK process exited unexpectedly.' });
  if (lastOptions && lastOptions.restartOnError && restartsLeft > 0) {
    restartsLeft -= 1;
    doInit(lastOptions).catch((error) => emit('error', { type: 'restart', message: error.message }));
  }
}

function send(agent, command, params) {
  return new Promise((resolve, reject) => {
    if (!agent || agent.proc.exitCode !== null || agent.proc.signalCode !== null || agent.failedToStart) {
      reject(notInitialised());
      return;
    }
    const id = agent.nextId++;
    agent.pending.set(id, { resolve, reject });
    agent.proc.stdin.write(`${JSON.stringify({ id, command, params: params || {} })}\n`);
  });
}

function command(name, params) {
  return send(current, name, params);
}

async function doInit(options) {
  const agent = current || startAgent();
  try {
    await send(agent, 'init', { config: options });
  } catch (error) {
    if (current === agent && agent.pending.size === 0) {
      agent.quiet = true; // nothing runs: let the helper go without a `shutdown` event
      agent.proc.stdin.end();
      current = null;
    }
    throw error;
  }
  return null;
}

async function init(options) {
  if (options === null || typeof options !== 'object') {
    throw sdkError('invalid_argument', 'init() takes an options object, e.g. {apiUrl: "http://127.0.0.1:8080"}.');
  }
  // `api_url` is the seed's spelling and wins over `apiUrl`, as in Recall's package.
  const config = { ...options, restartOnError: options.restartOnError ?? true };
  lastOptions = config;
  restartsLeft = MAX_AUTOMATIC_RESTARTS;
  return doInit(config);
}

async function shutdown() {
  const agent = current;
  if (!agent) throw notInitialised();
  await send(agent, 'shutdown');
  agent.stopping = true;
  if (agent.proc.exitCode === null && agent.proc.signalCode === null) {
    await new Promise((resolve) => {
      const timer = setTimeout(() => {
        agent.proc.kill('SIGKILL');
        resolve();
      }, SHUTDOWN_GRACE_MS);
      agent.proc.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  return null;
}

process.on('exit', () => {
  // The helper must not outlive the app; it also stops by itself when its stdin closes.
  exiting = true;
  if (current && current.proc.exitCode === null) current.proc.kill('SIGTERM');
});

module.exports = {
  EVENT_TYPES,
  addEventListener,
  removeEventListener,
  removeAllEventListeners,
  init,
  shutdown,
  command,
  agentPid: () => (current ? current.proc.pid : null),
};
