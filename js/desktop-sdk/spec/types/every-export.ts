// Code written against Recall's @recallai/desktop-sdk (its names, its payload fields) type-checks
// against our declarations: `tsc --noEmit -p spec/types` maps the package name onto index.d.ts.
import RecallAiSdk, {
  addEventListener,
  dumpAllApplications,
  dumpAXTree,
  init,
  listDevices,
  pauseRecording,
  prepareDesktopAudioRecording,
  removeAllEventListeners,
  removeEventListener,
  requestPermission,
  resumeRecording,
  sendChatMessage,
  setDesktopAudioDevice,
  shutdown,
  startRecording,
  stopRecording,
  testUnexpectedShutdown,
  uploadRecording,
} from '@recallai/desktop-sdk';
import type {
  AudioDevice,
  AudioDeviceDirection,
  ComplianceMessageStatusEvent,
  ErrorEvent,
  EventTypeToPayloadMap,
  LogEvent,
  MediaCaptureStatusEvent,
  MeetingClosedEvent,
  MeetingDetectedEvent,
  MeetingUpdatedEvent,
  NetworkStatusEvent,
  ParticipantCaptureStatusEvent,
  Permission,
  PermissionsGrantedEvent,
  PermissionStatusEvent,
  RealtimeEvent,
  RecallAiSdkConfig,
  RecallAiSdkEvent,
  RecallAiSdkWindow,
  RecordingStartEvent,
  RecordingStopEvent,
  SdkStateChangeEvent,
  ShutdownEvent,
  StartRecordingConfig,
  UploadProgressEvent,
} from '@recallai/desktop-sdk';
import { openMeeting } from '@recall-sim/desktop-sdk/desktop';

const config: RecallAiSdkConfig = { apiUrl: 'https://us-east-1.recall.ai', acquirePermissionsOnStartup: ['accessibility', 'microphone'] };
const seedConfig: RecallAiSdkConfig = { api_url: 'http://127.0.0.1:8080' };
const permission: Permission = 'screen-capture';
const direction: AudioDeviceDirection = 'output';

function describe(window: RecallAiSdkWindow): string {
  return `${window.id} ${window.title ?? ''} ${window.url ?? ''} ${window.platform ?? ''}`;
}

addEventListener('recording-started', (evt: RecordingStartEvent) => describe(evt.window) + String(evt.rawMedia));
addEventListener('recording-ended', (evt: RecordingStopEvent) => describe(evt.window));
addEventListener('upload-progress', (evt: UploadProgressEvent) => evt.window.id + evt.progress.toFixed(0));
addEventListener('meeting-detected', (evt: MeetingDetectedEvent) => describe(evt.window));
addEventListener('meeting-updated', (evt: MeetingUpdatedEvent) => describe(evt.window));
addEventListener('meeting-closed', (evt: MeetingClosedEvent) => describe(evt.window));
addEventListener('sdk-state-change', (evt: SdkStateChangeEvent) => {
  const code: 'recording' | 'idle' | 'paused' = evt.sdk.state.code;
  return code;
});
addEventListener('error', (evt: ErrorEvent) => `${evt.type}: ${evt.message} ${evt.window?.id ?? ''}`);
addEventListener('media-capture-status', (evt: MediaCaptureStatusEvent) => `${evt.type} ${evt.capturing}`);
addEventListener('participant-capture-status', (evt: ParticipantCaptureStatusEvent) => evt.participantId + 1);
addEventListener('compliance-message-status', (evt: ComplianceMessageStatusEvent) => {
  const status: 'sent' | 'timeout' | 'cancelled' = evt.status;
  return status;
});
addEventListener('permissions-granted', (evt: PermissionsGrantedEvent) => evt);
addEventListener('permission-status', (evt: PermissionStatusEvent) => `${evt.permission} ${evt.granted} ${evt.status}`);
addEventListener('realtime-event', (evt: RealtimeEvent) => `${evt.event} ${JSON.stringify(evt.data.data)}`);
addEventListener('shutdown', (evt: ShutdownEvent) => `${evt.code} ${evt.signal}`);
addEventListener('log', (evt: LogEvent) => `${evt.level} ${evt.message} ${evt.subsystem} ${evt.category} ${evt.window_id.length}`);
addEventListener('network-status', (evt: NetworkStatusEvent) => evt.status === 'disconnected');

const any: (event: RecallAiSdkEvent) => void = () => {};
const detected: EventTypeToPayloadMap['meeting-detected'] = { window: { id: 'w' } };
any(detected);
removeEventListener('meeting-detected', any);
removeAllEventListeners();

async function everyCall(): Promise<void> {
  const ok: null = await init(config);
  await RecallAiSdk.init(seedConfig);
  const start: StartRecordingConfig = { windowId: 'w', uploadToken: 't', disableRawMedia: true };
  await startRecording(start);
  await RecallAiSdk.startRecording({ windowId: 'w', uploadToken: 't', realtimeEvents: ['transcript.data'] });
  await pauseRecording({ windowId: 'w' });
  await resumeRecording({ windowId: 'w' });
  await sendChatMessage({ windowId: 'w', message: 'recording', to: 'everyone', pin: false });
  await stopRecording({ windowId: 'w' });
  await uploadRecording({ windowId: 'w' });
  const source: string = await prepareDesktopAudioRecording();
  const devices: AudioDevice[] = await listDevices();
  await setDesktopAudioDevice(devices[0]?.id ?? null, direction);
  await setDesktopAudioDevice(null, 'input');
  await requestPermission(permission);
  await testUnexpectedShutdown();
  await dumpAXTree('zoom.us');
  await dumpAllApplications();
  await shutdown();
  const windowId: string = await openMeeting('standup');
  const calls = [
    RecallAiSdk.shutdown, RecallAiSdk.stopRecording, RecallAiSdk.pauseRecording, RecallAiSdk.resumeRecording,
    RecallAiSdk.sendChatMessage, RecallAiSdk.uploadRecording, RecallAiSdk.prepareDesktopAudioRecording,
    RecallAiSdk.listDevices, RecallAiSdk.setDesktopAudioDevice, RecallAiSdk.requestPermission,
    RecallAiSdk.addEventListener, RecallAiSdk.removeEventListener, RecallAiSdk.removeAllEventListeners,
    RecallAiSdk.testUnexpectedShutdown,
  ];
  void [ok, source, windowId, calls];
}

// Wrong names and payload fields do not type-check.
// @ts-expect-error: no such event
addEventListener('recording-paused', () => {});
// @ts-expect-error: upload-progress has no `percent`
addEventListener('upload-progress', (evt) => evt.percent);
// @ts-expect-error: startRecording needs an upload token
void startRecording({ windowId: 'w' });

void everyCall;
