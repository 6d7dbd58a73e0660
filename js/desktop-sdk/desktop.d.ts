// @recall-sim/desktop-sdk/desktop: drive the simulated desktop from a test (no counterpart in Recall's package).
export declare function openMeeting(meeting?: string | Record<string, unknown>): Promise<string>;
export declare function closeMeeting(windowId: string): Promise<boolean>;
export declare function revokePermission(permission: string): Promise<null>;
export declare function grantPermission(permission: string): Promise<null>;
export declare function setNetwork(online: boolean): Promise<null>;
export declare function agentPid(): number | null;
declare const desktop: {
  openMeeting: typeof openMeeting;
  closeMeeting: typeof closeMeeting;
  revokePermission: typeof revokePermission;
  grantPermission: typeof grantPermission;
  setNetwork: typeof setNetwork;
  agentPid: typeof agentPid;
};
export default desktop;
