// ESM entry: the same functions as the CommonJS module (one SDK per process, whichever way it is loaded).
import sdk from './index.js';

export const {
  init,
  shutdown,
  startRecording,
  stopRecording,
  pauseRecording,
  resumeRecording,
  sendChatMessage,
  uploadRecording,
  prepareDesktopAudioRecording,
  listDevices,
  setDesktopAudioDevice,
  requestPermission,
  addEventListener,
  removeEventListener,
  removeAllEventListeners,
  testUnexpectedShutdown,
  dumpAXTree,
  dumpAllApplications,
} = sdk;
export default sdk.default;
