// Type declarations of @recall-sim/desktop-sdk: the names and payloads of Recall's
// `@recallai/desktop-sdk` 2.0.x (contract section 7), so code typed against that package type-checks
// against this one.

/** A meeting window (or a prepared desktop-audio source) the SDK knows. */
export interface RecallAiSdkWindow {
  /** Pass it as `windowId` to the recording functions. */
  id: string;
  /** May be missing at `meeting-detected` and arrive with `meeting-updated`. */
  title?: string;
  url?: string;
  /** `zoom`, `google-meet`, `teams`, `slack`, or `desktop-audio`. */
  platform?: string;
}

export type Permission =
  | 'accessibility'
  | 'screen-capture'
  | 'microphone'
  | 'system-audio'
  | 'full-disk-access'
  | 'teams-automation'
  | 'browser-automation';

export interface RecallAiSdkConfig {
  /** The seed's spelling; wins over `apiUrl` when both are given. */
  api_url?: string;
  /** The region's base URL: a Recall region, or a served recall-sim region such as `http://127.0.0.1:8080`. */
  apiUrl?: string;
  acquirePermissionsOnStartup?: Exclude<Permission, 'teams-automation' | 'browser-automation'>[];
  /** Start the helper again after it dies unexpectedly (default true, at most ten times). */
  restartOnError?: boolean;
  /** recall-sim: the meeting the simulated desktop plays (a name or a YAML/JSON file path). */
  meeting?: string;
  /** recall-sim: `auto` (the upload's workspace profile), `seed` (upload after) or `current` (during). */
  uploadMode?: 'auto' | 'seed' | 'current';
  /** recall-sim: the seed of window ids and media. */
  seed?: number;
  [key: string]: any;
}

export interface StartRecordingConfig {
  windowId: string;
  uploadToken: string;
  disableRawMedia?: boolean;
  /** The seed's 2024 form: real-time events delivered to `realtime-event` listeners. */
  realtimeEvents?: string[];
}

export interface StopRecordingConfig {
  windowId: string;
}

export interface PauseRecordingConfig {
  windowId: string;
}

export interface ResumeRecordingConfig {
  windowId: string;
}

export interface UploadRecordingConfig {
  windowId: string;
}

export interface SendChatMessageConfig {
  windowId: string;
  /** 1 to 4,096 characters. */
  message: string;
  /** A participant id, or `everyone` (the default). */
  to?: string;
  pin?: boolean;
}

export interface PrepareDesktopAudioRecordingConfig {
  [key: string]: any;
}

export type AudioDeviceDirection = 'input' | 'output';

export interface AudioDevice {
  id: string;
  name: string;
  direction: AudioDeviceDirection;
}

export interface RecordingStartEvent {
  window: RecallAiSdkWindow;
  /** Always false here: Raw Media is not simulated, the window is captured. */
  rawMedia: boolean;
}

export interface RecordingStopEvent {
  window: RecallAiSdkWindow;
}

export interface UploadProgressEvent {
  window: { id: string };
  /** 0 to 100. */
  progress: number;
}

export interface MeetingDetectedEvent {
  window: RecallAiSdkWindow;
}

export interface MeetingUpdatedEvent {
  window: RecallAiSdkWindow;
}

export interface MeetingClosedEvent {
  window: RecallAiSdkWindow;
}

export interface SdkStateChangeEvent {
  sdk: { state: { code: 'recording' | 'idle' | 'paused' } };
}

export interface MediaCaptureStatusEvent {
  window: RecallAiSdkWindow;
  type: 'video' | 'audio';
  capturing: boolean;
}

export interface ParticipantCaptureStatusEvent {
  window: RecallAiSdkWindow;
  participantId: number;
  type: 'video' | 'audio' | 'screenshare';
  capturing: boolean;
}

export interface ComplianceMessageStatusEvent {
  window: RecallAiSdkWindow;
  status: 'sent' | 'timeout' | 'cancelled';
}

export interface PermissionsGrantedEvent {}

export interface PermissionStatusEvent {
  permission: Permission;
  granted: boolean;
  status: 'granted' | 'not_requested' | 'denied' | 'not_installed' | 'error';
}

export interface ErrorEvent {
  window?: RecallAiSdkWindow;
  type: string;
  message: string;
}

export interface RealtimeEvent {
  window: RecallAiSdkWindow;
  /** e.g. `transcript.data`, `participant_events.join`. */
  event: string;
  data: any;
  /** The seed's listener read the event's name as `type`; both are given. */
  type?: string;
}

export interface ShutdownEvent {
  /** The helper's exit code (0 when it had none). */
  code: number;
  /** The signal that ended it, or '' when it exited by itself. */
  signal: string;
}

export interface NetworkStatusEvent {
  status: 'reconnected' | 'disconnected';
}

export interface LogEvent {
  level: 'debug' | 'info' | 'warning' | 'error';
  message: string;
  subsystem: string;
  category: string;
  /** The window the line is about, or '' for the SDK as a whole. */
  window_id: string;
}

export type EventTypeToPayloadMap = {
  'recording-started': RecordingStartEvent;
  'recording-ended': RecordingStopEvent;
  'upload-progress': UploadProgressEvent;
  'meeting-detected': MeetingDetectedEvent;
  'meeting-updated': MeetingUpdatedEvent;
  'meeting-closed': MeetingClosedEvent;
  'sdk-state-change': SdkStateChangeEvent;
  'error': ErrorEvent;
  'media-capture-status': MediaCaptureStatusEvent;
  'participant-capture-status': ParticipantCaptureStatusEvent;
  'compliance-message-status': ComplianceMessageStatusEvent;
  'permissions-granted': PermissionsGrantedEvent;
  'permission-status': PermissionStatusEvent;
  'realtime-event': RealtimeEvent;
  'shutdown': ShutdownEvent;
  'log': LogEvent;
  'network-status': NetworkStatusEvent;
};

export type RecallAiSdkEvent = EventTypeToPayloadMap[keyof EventTypeToPayloadMap];

export declare function init(options: RecallAiSdkConfig): Promise<null>;
export declare function shutdown(): Promise<null>;
export declare function startRecording(config: StartRecordingConfig): Promise<null>;
export declare function stopRecording(config: StopRecordingConfig): Promise<null>;
export declare function pauseRecording(config: PauseRecordingConfig): Promise<null>;
export declare function resumeRecording(config: ResumeRecordingConfig): Promise<null>;
export declare function sendChatMessage(config: SendChatMessageConfig): Promise<null>;
export declare function uploadRecording(config: UploadRecordingConfig): Promise<null>;
export declare function prepareDesktopAudioRecording(config?: PrepareDesktopAudioRecordingConfig): Promise<string>;
export declare function listDevices(): Promise<AudioDevice[]>;
export declare function setDesktopAudioDevice(id: string | null, dir: AudioDeviceDirection): Promise<null>;
export declare function requestPermission(permission: Permission): Promise<null>;
export declare function testUnexpectedShutdown(): Promise<null>;
export declare function dumpAXTree(procName: string): Promise<any>;
export declare function dumpAllApplications(): Promise<any>;
export declare function addEventListener<T extends keyof EventTypeToPayloadMap>(
  type: T,
  callback: (event: EventTypeToPayloadMap[T]) => void,
): void;
export declare function removeEventListener<T extends keyof EventTypeToPayloadMap>(
  type: T,
  callback: (event: EventTypeToPayloadMap[T]) => void,
): void;
export declare function removeAllEventListeners(): void;

declare const RecallAiSdk: {
  init: typeof init;
  shutdown: typeof shutdown;
  startRecording: typeof startRecording;
  stopRecording: typeof stopRecording;
  pauseRecording: typeof pauseRecording;
  resumeRecording: typeof resumeRecording;
  sendChatMessage: typeof sendChatMessage;
  uploadRecording: typeof uploadRecording;
  prepareDesktopAudioRecording: typeof prepareDesktopAudioRecording;
  listDevices: typeof listDevices;
  setDesktopAudioDevice: typeof setDesktopAudioDevice;
  requestPermission: typeof requestPermission;
  addEventListener: typeof addEventListener;
  removeEventListener: typeof removeEventListener;
  removeAllEventListeners: typeof removeAllEventListeners;
  testUnexpectedShutdown: typeof testUnexpectedShutdown;
};
export default RecallAiSdk;
