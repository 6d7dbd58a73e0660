'use strict';
// @recall-sim/desktop-sdk/desktop: drive the simulated desktop from a test. Recall's package has no
// such module; these act on the desktop the running SDK watches (after `init`).

const agent = require('./lib/agent');

module.exports = {
  /** Open a meeting window now: a shipped meeting's or named scenario's name, a file path, or a script. */
  openMeeting: async (meeting) => agent.command('desktop.openMeeting', { meeting }),
  /** Close a meeting window, as the user leaving the meeting does. Resolves false if it was not open. */
  closeMeeting: async (windowId) => agent.command('desktop.closeMeeting', { windowId }),
  revokePermission: async (permission) => agent.command('desktop.revokePermission', { permission }),
  grantPermission: async (permission) => agent.command('desktop.grantPermission', { permission }),
  /** Take the desktop's network down (false) or bring it back (true). */
  setNetwork: async (online) => agent.command('desktop.setNetwork', { online }),
  /** The helper process's pid while the SDK runs, else null. */
  agentPid: () => agent.agentPid(),
};
