import desktop from './desktop.js';

export const { openMeeting, closeMeeting, revokePermission, grantPermission, setNetwork, agentPid } = desktop;
export default desktop;
